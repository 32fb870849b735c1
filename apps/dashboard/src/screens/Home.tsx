import { useQuery } from "urql";
import { Link } from "wouter";
import { graphql } from "../gql";
import { useSession } from "../session";
import { ErrorNotice, formatDate, Loading } from "../ui";

export const HomeQuery = graphql(`
  query Home {
    viewer {
      id
      login
      name
      email
      kind
      organizations { key name }
      recoveryAccess { configured createdAt usedAt }
    }
  }
`);

export function Home() {
  const session = useSession();
  const [{ data, error, fetching }] = useQuery({ query: HomeQuery });
  const viewer = data?.viewer;
  return (
    <>
      <h1 tabIndex={-1}>Signed in as {session.viewer.login}</h1>
      <ErrorNotice error={error} />
      {fetching && !data ? <Loading /> : null}
      {viewer ? (
        <>
          <p>
            {viewer.name}
            {viewer.email ? `, ${viewer.email}` : ""}.
          </p>
          {viewer.recoveryAccess && !viewer.recoveryAccess.configured && viewer.recoveryAccess.usedAt ? (
            <div className="notice notice-warn" role="status">
              <p>
                <strong>Your recovery password was used</strong> to sign in on {formatDate(viewer.recoveryAccess.usedAt)}: it works only once.{" "}
                <Link href="/me/recovery">Generate a new one</Link> and keep it offline.
              </p>
            </div>
          ) : null}
          <h2>Your organizations</h2>
          {viewer.organizations.length === 0 ? (
            <p>You are not a member of any organization yet: your identity provider's groups name none of the enterprise's groups.</p>
          ) : (
            <ul>
              {viewer.organizations.map((organization) => (
                <li key={organization.key}>
                  {organization.name} (<code>{organization.key}</code>)
                </li>
              ))}
            </ul>
          )}
          <h2>Next</h2>
          <ul className="cards">
            <li>
              <Link href="/me/access">Review your access</Link>: what your SSO account has in each organization compared with your DOP account.
            </li>
            <li>
              <Link href="/me/tokens">Your tokens</Link>: which break at the cutover and what to create instead.
            </li>
            {session.isAdmin ? (
              <li>
                <Link href="/admin">Enterprise overview</Link>: the three steps of the cutover, with what blocks each.
              </li>
            ) : null}
          </ul>
        </>
      ) : null}
    </>
  );
}
