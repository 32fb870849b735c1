import { useState } from "react";
import { useMutation, useQuery } from "urql";
import { graphql } from "../gql";
import { Badge, Empty, ErrorNotice, formatDate, Loading, PayloadError } from "../ui";
import { AdminOnly } from "./AdminOnly";

const InvitationsQuery = graphql(`
  query Invitations($enterpriseKey: String!) {
    enterprise(key: $enterpriseKey) {
      id
      inviteLink
      invitations(first: 100) {
        edges { node { id email status createdAt expiresAt acceptedBy { login } } }
      }
    }
  }
`);

const InviteMutation = graphql(`
  mutation InviteUsers($enterpriseKey: String!, $emails: [String!]!) {
    inviteUsers(input: { enterpriseKey: $enterpriseKey, emails: $emails }) {
      ... on InviteUsersSuccess {
        invitedCount
        results { email invitation { id status expiresAt message } error { code message field } }
      }
      ... on Error { code message field }
    }
  }
`);

const RevokeMutation = graphql(`
  mutation RevokeInvitation($invitationId: ID!) {
    revokeInvitation(input: { invitationId: $invitationId }) {
      ... on RevokeInvitationSuccess { invitation { id status } }
      ... on Error { code message field }
    }
  }
`);

const ResendMutation = graphql(`
  mutation ResendInvitation($invitationId: ID!) {
    resendInvitation(input: { invitationId: $invitationId }) {
      ... on ResendInvitationSuccess { invitation { id status expiresAt } }
      ... on Error { code message field }
    }
  }
`);

/** The addresses in pasted or uploaded text: separated by commas, semicolons, spaces or lines; each once. */
function emailsIn(text: string): string[] {
  const seen = new Set<string>();
  const emails: string[] = [];
  for (const part of text.split(/[\s,;]+/)) {
    const email = part.trim().replace(/^<|>$/g, "");
    if (email && !seen.has(email.toLowerCase())) {
      seen.add(email.toLowerCase());
      emails.push(email);
    }
  }
  return emails;
}

function InvitationsContent({ enterpriseKey }: { enterpriseKey: string }) {
  const [text, setText] = useState("");
  const [previewing, setPreviewing] = useState(false);
  const [list, refetch] = useQuery({ query: InvitationsQuery, variables: { enterpriseKey } });
  const [inviteResult, invite] = useMutation(InviteMutation);
  const [revokeResult, revoke] = useMutation(RevokeMutation);
  const [resendResult, resend] = useMutation(ResendMutation);
  const emails = emailsIn(text);
  const enterprise = list.data?.enterprise;
  const payload = inviteResult.data?.inviteUsers;
  const revokePayload = revokeResult.data?.revokeInvitation;
  const resendPayload = resendResult.data?.resendInvitation;
  const reload = () => refetch({ requestPolicy: "network-only" });

  return (
    <>
      <h1 tabIndex={-1}>Invitations</h1>
      <p className="lead">Invite people to sign in with SSO (R3): each invitation carries a ready-to-send message with the enterprise's login link.</p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          setPreviewing(true);
        }}
      >
        <label htmlFor="invite-emails">Email addresses (one per line, or separated by commas)</label>
        <textarea
          id="invite-emails"
          rows={5}
          value={text}
          onChange={(event) => {
            setText(event.target.value);
            setPreviewing(false);
          }}
        />
        <label htmlFor="invite-file">Or upload a text or CSV file of addresses</label>
        <input
          id="invite-file"
          type="file"
          accept=".txt,.csv,text/plain,text/csv"
          onChange={(event) => {
            const file = event.target.files?.[0];
            if (file) void file.text().then((content) => setText((current) => `${current}\n${content}`.trim()));
          }}
        />
        <button type="submit" disabled={emails.length === 0}>
          Preview {emails.length} invitation{emails.length === 1 ? "" : "s"}
        </button>
      </form>
      {previewing && emails.length > 0 ? (
        <section aria-labelledby="preview-heading" className="preview">
          <h2 id="preview-heading">Preview</h2>
          <p>
            {emails.length} people will receive an invitation to sign in at <code>{enterprise?.inviteLink ?? "(the enterprise login link)"}</code>,
            valid for the default period:
          </p>
          <ul className="plain columns">
            {emails.map((email) => (
              <li key={email}>{email}</li>
            ))}
          </ul>
          <button
            type="button"
            disabled={inviteResult.fetching}
            onClick={() =>
              void invite({ enterpriseKey, emails }).then(() => {
                setPreviewing(false);
                reload();
              })
            }
          >
            Send {emails.length} invitation{emails.length === 1 ? "" : "s"}
          </button>
        </section>
      ) : null}
      <ErrorNotice error={inviteResult.error} />
      {payload && "code" in payload ? <PayloadError error={payload} /> : null}
      {payload && "results" in payload ? (
        <section aria-labelledby="results-heading">
          <h2 id="results-heading">Sent: {payload.invitedCount} invited</h2>
          <ul className="plain results">
            {payload.results.map((result) => (
              <li key={result.email}>
                <strong>{result.email}</strong>:{" "}
                {result.invitation ? (
                  <>
                    <Badge value={result.invitation.status} /> until {formatDate(result.invitation.expiresAt)}
                    <details>
                      <summary>Message</summary>
                      <pre className="message">{result.invitation.message}</pre>
                    </details>
                  </>
                ) : (
                  <span className="error-text">
                    {result.error?.message} ({result.error?.code})
                  </span>
                )}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <h2>All invitations</h2>
      <ErrorNotice error={list.error ?? revokeResult.error ?? resendResult.error} />
      {revokePayload && "code" in revokePayload ? <PayloadError error={revokePayload} /> : null}
      {resendPayload && "code" in resendPayload ? <PayloadError error={resendPayload} /> : null}
      {list.fetching && !list.data ? <Loading rows={4} /> : null}
      {enterprise?.invitations && enterprise.invitations.edges.length === 0 ? <Empty>No invitation yet.</Empty> : null}
      {enterprise?.invitations && enterprise.invitations.edges.length > 0 ? (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Invitations</caption>
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Status</th>
                <th scope="col">Sent</th>
                <th scope="col">Expires</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {enterprise.invitations.edges.map(({ node }) => (
                <tr key={node.id}>
                  <th scope="row">{node.email}</th>
                  <td>
                    <Badge value={node.status} />
                    {node.acceptedBy ? <span className="sub"> by {node.acceptedBy.login}</span> : null}
                  </td>
                  <td>{formatDate(node.createdAt)}</td>
                  <td>{formatDate(node.expiresAt)}</td>
                  <td className="actions">
                    {node.status === "PENDING" || node.status === "EXPIRED" ? (
                      <>
                        <button type="button" className="secondary" onClick={() => void resend({ invitationId: node.id }).then(reload)}>
                          Resend<span className="visually-hidden"> to {node.email}</span>
                        </button>
                        <button type="button" className="secondary" onClick={() => void revoke({ invitationId: node.id }).then(reload)}>
                          Revoke<span className="visually-hidden"> for {node.email}</span>
                        </button>
                      </>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  );
}

export function Invitations() {
  return <AdminOnly title="Invitations">{(enterpriseKey) => <InvitationsContent enterpriseKey={enterpriseKey} />}</AdminOnly>;
}
