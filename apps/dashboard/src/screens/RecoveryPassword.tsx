import { useMutation, useQuery } from "urql";
import { graphql } from "../gql";
import { useSession } from "../session";
import { CopyButton, ErrorNotice, formatDate, Loading, PayloadError, Refused } from "../ui";

const RecoveryQuery = graphql(`
  query RecoveryStatus {
    viewer { id recoveryAccess { configured createdAt usedAt } }
  }
`);

const GenerateMutation = graphql(`
  mutation GenerateRecoveryPassword($enterpriseKey: String!) {
    generateRecoveryPassword(input: { enterpriseKey: $enterpriseKey }) {
      ... on GeneratedRecoveryPassword { password createdAt replacedPrevious account { id recoveryAccess { configured createdAt usedAt } } }
      ... on Error { code message field }
    }
  }
`);

export function RecoveryPassword() {
  const session = useSession();
  const [status] = useQuery({ query: RecoveryQuery });
  const [result, generate] = useMutation(GenerateMutation);
  const payload = result.data?.generateRecoveryPassword;
  const access = status.data?.viewer?.recoveryAccess;
  return (
    <>
      <h1 tabIndex={-1}>Recovery password</h1>
      <p className="lead">
        For enterprise administrators signed in with SSO: a password that opens one recovery session at <code>/login/recovery</code> when the
        identity provider is down (R12, R17). It is shown once; generating again replaces it.
      </p>
      <ErrorNotice error={status.error} />
      {status.fetching && !status.data ? <Loading rows={1} /> : null}
      {access ? (
        <p>
          {access.configured
            ? `A recovery password generated on ${formatDate(access.createdAt)} is ready.`
            : access.usedAt
              ? `Your last recovery password was used on ${formatDate(access.usedAt)}: generate the next one.`
              : "No recovery password yet."}
        </p>
      ) : null}
      {!session.enterprise ? (
        <Refused>
          <p>You are not a member of any enterprise.</p>
        </Refused>
      ) : (
        <button type="button" disabled={result.fetching} onClick={() => void generate({ enterpriseKey: session.enterprise!.key })}>
          {access?.configured ? "Generate a new recovery password" : "Generate a recovery password"}
        </button>
      )}
      <ErrorNotice error={result.error} />
      {payload && "code" in payload ? <PayloadError error={payload} /> : null}
      {payload && "password" in payload ? (
        <div className="notice notice-ok" role="status">
          <p>Copy it now and keep it offline: it is stored only as a hash and cannot be shown again.</p>
          <p>
            <code className="secret" data-testid="recovery-password">
              {payload.password}
            </code>{" "}
            <CopyButton text={payload.password} label="Copy the password" />
          </p>
          {payload.replacedPrevious ? <p>The previous recovery password no longer works.</p> : null}
        </div>
      ) : null}
    </>
  );
}
