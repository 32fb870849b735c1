import { useState } from "react";
import { useMutation } from "urql";
import { graphql } from "../gql";
import { useSession } from "../session";
import { ErrorNotice, PayloadError } from "../ui";

const DeleteMutation = graphql(`
  mutation DeleteMyAccount($confirmLogin: String!) {
    deleteMyAccount(input: { confirmLogin: $confirmLogin }) {
      ... on DeletedAccount { account { login deletedAt } removedMemberships revokedTokens tokensThatBroke { display } }
      ... on Error { code message field }
    }
  }
`);

export function DeleteAccount() {
  const session = useSession();
  const [confirmLogin, setConfirmLogin] = useState("");
  const [result, remove] = useMutation(DeleteMutation);
  const payload = result.data?.deleteMyAccount;
  return (
    <>
      <h1 tabIndex={-1}>Delete your DOP account</h1>
      <p className="lead">
        Deletes the DevOps-platform account you are signed in with (R10): its memberships go and its tokens are revoked. Refused while it is the
        only admin of an organization. Signed in with SSO as <code>{session.viewer.login}</code>, the server refuses: sign in with the DOP account
        to delete it.
      </p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void remove({ confirmLogin });
        }}
      >
        <label htmlFor="confirm-login">Type the account's login to confirm</label>
        <input id="confirm-login" autoComplete="off" required value={confirmLogin} onChange={(event) => setConfirmLogin(event.target.value)} />
        <button type="submit" className="danger" disabled={result.fetching}>
          Delete this account
        </button>
      </form>
      <ErrorNotice error={result.error} />
      {payload && "code" in payload ? <PayloadError error={payload} /> : null}
      {payload && "account" in payload ? (
        <div className="notice notice-ok" role="status">
          <p>
            Deleted <code>{payload.account.login}</code>: {payload.removedMemberships} memberships removed, {payload.revokedTokens} tokens revoked.
          </p>
        </div>
      ) : null}
    </>
  );
}
