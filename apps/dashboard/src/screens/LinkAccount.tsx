import { useState } from "react";
import { useMutation } from "urql";
import { graphql } from "../gql";
import { ErrorNotice, formatDate, PayloadError } from "../ui";

const LinkMutation = graphql(`
  mutation LinkMyDevopsAccount($token: String!) {
    linkDevopsAccount(input: { devopsAccountToken: $token }) {
      ... on LinkDevopsAccountSuccess { link { linkedAt devopsAccount { login } ssoAccount { login } } }
      ... on Error { code message field }
    }
  }
`);

export function LinkAccount() {
  const [token, setToken] = useState("");
  const [result, link] = useMutation(LinkMutation);
  const payload = result.data?.linkDevopsAccount;
  return (
    <>
      <h1 tabIndex={-1}>Link your DOP account</h1>
      <p className="lead">
        Prove that you hold your DevOps-platform account with one of its personal access tokens: your SSO account then supersedes it (R3). The
        token is read once, never stored or logged.
      </p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void link({ token: token.trim() });
        }}
      >
        <label htmlFor="dop-token">A personal access token of your DOP account</label>
        <input id="dop-token" type="password" autoComplete="off" required value={token} onChange={(event) => setToken(event.target.value)} />
        <button type="submit" disabled={result.fetching}>
          {result.fetching ? "Linking…" : "Link"}
        </button>
      </form>
      <ErrorNotice error={result.error} />
      {payload && "code" in payload ? <PayloadError error={payload} /> : null}
      {payload && "link" in payload ? (
        <div className="notice notice-ok" role="status">
          <p>
            Linked <code>{payload.link.devopsAccount.login}</code> to <code>{payload.link.ssoAccount.login}</code> on {formatDate(payload.link.linkedAt)}.
          </p>
        </div>
      ) : null}
    </>
  );
}
