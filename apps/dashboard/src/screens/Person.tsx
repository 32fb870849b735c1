import { useQuery } from "urql";
import { Link, useParams } from "wouter";
import { graphql } from "../gql";
import { Badge, Empty, ErrorNotice, formatDate, Loading } from "../ui";
import { AccessReviewTable, TokenGuidanceView } from "./access";
import { AdminOnly } from "./AdminOnly";

const PersonQuery = graphql(`
  query Person($enterpriseKey: String!, $login: String!) {
    enterprise(key: $enterpriseKey) {
      id
      readiness(first: 10, filter: { loginStartsWith: $login }) {
        edges {
          node {
            cutoverStatus
            lastSsoLoginAt
            warnings
            invitation { email status expiresAt }
            accessLoss { organization { key } acknowledgedBy { login } acknowledgedAt regained }
            devopsAccount { login }
            ssoAccount { login }
            account {
              id
              login
              name
              email
              kind
              accessReview(enterpriseKey: $enterpriseKey) { ...AccessReviewFields }
              tokenGuidance(enterpriseKey: $enterpriseKey) { ...TokenGuidanceFields }
            }
          }
        }
      }
    }
  }
`);

function PersonContent({ enterpriseKey, login }: { enterpriseKey: string; login: string }) {
  const [{ data, error, fetching }] = useQuery({ query: PersonQuery, variables: { enterpriseKey, login } });
  const row = data?.enterprise?.readiness.edges.map((edge) => edge.node).find((node) => node.account.login === login);
  return (
    <>
      <p>
        <Link href="/admin/people">← People</Link>
      </p>
      <h1 tabIndex={-1}>{login}</h1>
      <ErrorNotice error={error} />
      {fetching && !data ? <Loading rows={6} /> : null}
      {data && !row ? <Empty>Nobody with the login {login} in this enterprise.</Empty> : null}
      {row ? (
        <>
          <dl className="facts">
            <dt>Name</dt>
            <dd>
              {row.account.name}
              {row.account.email ? `, ${row.account.email}` : ""}
            </dd>
            <dt>Status</dt>
            <dd>
              <Badge value={row.cutoverStatus} />
            </dd>
            <dt>DOP account</dt>
            <dd>{row.devopsAccount?.login ?? "—"}</dd>
            <dt>SSO account</dt>
            <dd>{row.ssoAccount?.login ?? "—"}</dd>
            <dt>Last SSO sign-in</dt>
            <dd>{formatDate(row.lastSsoLoginAt)}</dd>
            <dt>Invitation</dt>
            <dd>{row.invitation ? `${row.invitation.status.toLowerCase()} (${row.invitation.email}, expires ${formatDate(row.invitation.expiresAt)})` : "—"}</dd>
          </dl>
          {row.warnings.length ? (
            <ul className="warnings" aria-label="Warnings">
              {row.warnings.map((warning) => (
                <li key={warning}>{warning}</li>
              ))}
            </ul>
          ) : null}
          {row.accessLoss.length ? (
            <>
              <h2>Access lost at the removal</h2>
              <ul>
                {row.accessLoss.map((loss) => (
                  <li key={loss.organization.key}>
                    <code>{loss.organization.key}</code>, acknowledged by {loss.acknowledgedBy?.login ?? "—"} on {formatDate(loss.acknowledgedAt)}
                    {loss.regained ? " (regained)" : ""}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
          <h2>Access review</h2>
          {row.account.accessReview ? <AccessReviewTable review={row.account.accessReview} /> : <Empty>No access review for this account.</Empty>}
          <h2>Tokens that break and their replacements</h2>
          {row.account.tokenGuidance ? <TokenGuidanceView guidance={row.account.tokenGuidance} /> : <Empty>No token guidance for this account.</Empty>}
        </>
      ) : null}
    </>
  );
}

export function Person() {
  const params = useParams<{ login: string }>();
  const login = decodeURIComponent(params.login ?? "");
  return <AdminOnly title={login}>{(enterpriseKey) => <PersonContent enterpriseKey={enterpriseKey} login={login} />}</AdminOnly>;
}
