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

/** One document for both steps: the preview is the same call with `dryRun: true`, so it shows exactly what Send sends. */
const InviteMutation = graphql(`
  mutation InviteUsers($enterpriseKey: String!, $emails: [String!]!, $expiresInDays: Int, $dryRun: Boolean!) {
    inviteUsers(input: { enterpriseKey: $enterpriseKey, emails: $emails, expiresInDays: $expiresInDays, dryRun: $dryRun }) {
      ... on InviteUsersSuccess {
        dryRun
        invitedCount
        results { email message invitation { id status expiresAt } error { code message field } }
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

const DEFAULT_EXPIRY_DAYS = 14;

/** What a preview was made of: Send sends exactly this, whatever is typed after. */
interface Batch {
  emails: string[];
  expiresInDays: number;
}

function InvitationsContent({ enterpriseKey }: { enterpriseKey: string }) {
  const [text, setText] = useState("");
  const [days, setDays] = useState(String(DEFAULT_EXPIRY_DAYS));
  const [batch, setBatch] = useState<Batch | null>(null);
  const [list, refetch] = useQuery({ query: InvitationsQuery, variables: { enterpriseKey } });
  const [previewResult, preview] = useMutation(InviteMutation);
  const [sendResult, send] = useMutation(InviteMutation);
  const [revokeResult, revoke] = useMutation(RevokeMutation);
  const [resendResult, resend] = useMutation(ResendMutation);
  const emails = emailsIn(text);
  const enterprise = list.data?.enterprise;
  const previewPayload = batch ? previewResult.data?.inviteUsers : undefined;
  const previewed = previewPayload && "results" in previewPayload ? previewPayload : null;
  const firstMessage = previewed?.results.find((result) => result.message)?.message ?? null;
  const payload = sendResult.data?.inviteUsers;
  const revokePayload = revokeResult.data?.revokeInvitation;
  const resendPayload = resendResult.data?.resendInvitation;
  const reload = () => refetch({ requestPolicy: "network-only" });
  // Any change to the emails or the expiry makes the preview stale: it has to be made again before sending.
  const edit = (change: () => void) => {
    change();
    setBatch(null);
  };

  return (
    <>
      <h1 tabIndex={-1}>Invitations</h1>
      <p className="lead">
        Invite people to sign in with SSO (R3). Preview first: it shows the exact message each person will receive, with the enterprise's
        login link and the expiry, and which addresses would be refused; Send then invites exactly those addresses.
      </p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          const next = { emails, expiresInDays: Number(days) };
          setBatch(next);
          void preview({ enterpriseKey, ...next, dryRun: true });
        }}
      >
        <label htmlFor="invite-emails">Email addresses (one per line, or separated by commas)</label>
        <textarea id="invite-emails" rows={5} value={text} onChange={(event) => edit(() => setText(event.target.value))} />
        <label htmlFor="invite-file">Or upload a text or CSV file of addresses</label>
        <input
          id="invite-file"
          type="file"
          accept=".txt,.csv,text/plain,text/csv"
          onChange={(event) => {
            const file = event.target.files?.[0];
            if (file) void file.text().then((content) => edit(() => setText((current) => `${current}\n${content}`.trim())));
          }}
        />
        <label htmlFor="invite-days">Invitation valid for (days, 1 to 30)</label>
        <input id="invite-days" type="number" min={1} max={30} step={1} value={days} onChange={(event) => edit(() => setDays(event.target.value))} />
        <div className="toolbar">
          <button type="submit" disabled={emails.length === 0 || previewResult.fetching}>
            Preview {emails.length} invitation{emails.length === 1 ? "" : "s"}
          </button>
        </div>
      </form>
      {batch && previewResult.fetching ? <Loading label="Preparing the preview…" rows={4} /> : null}
      {batch ? <ErrorNotice error={previewResult.error} /> : null}
      {previewPayload && "code" in previewPayload ? <PayloadError error={previewPayload} /> : null}
      {batch && previewed && !previewResult.fetching ? (
        <section aria-labelledby="preview-heading" className="preview">
          <h2 id="preview-heading">Preview</h2>
          <p>
            Nothing is sent yet. {previewed.invitedCount} of {previewed.results.length} address{previewed.results.length === 1 ? "" : "es"} would be invited,
            valid for {batch.expiresInDays} day{batch.expiresInDays === 1 ? "" : "s"}
            {previewed.results.length > previewed.invitedCount ? `; ${previewed.results.length - previewed.invitedCount} would be refused` : ""}.
          </p>
          {firstMessage ? (
            <>
              <h3>The message each person receives (the first one in full)</h3>
              <pre className="message">{firstMessage}</pre>
            </>
          ) : (
            <Empty>No address would be invited: every one is refused below.</Empty>
          )}
          <h3>Per address</h3>
          <ul className="plain results">
            {previewed.results.map((result) => (
              <li key={result.email}>
                <strong>{result.email}</strong>:{" "}
                {result.message ? (
                  <>
                    <Badge value="WOULD_INVITE" tone="ok" />
                    <details>
                      <summary>
                        Message<span className="visually-hidden"> to {result.email}</span>
                      </summary>
                      <pre className="message">{result.message}</pre>
                    </details>
                  </>
                ) : (
                  <span className="error-text">
                    would be refused: {result.error?.message} ({result.error?.code})
                  </span>
                )}
              </li>
            ))}
          </ul>
          <div className="toolbar">
            <button
              type="button"
              disabled={previewed.invitedCount === 0 || sendResult.fetching}
              onClick={() =>
                void send({ enterpriseKey, ...batch, dryRun: false }).then(() => {
                  setBatch(null);
                  reload();
                })
              }
            >
              Send {previewed.invitedCount} invitation{previewed.invitedCount === 1 ? "" : "s"}
            </button>
          </div>
        </section>
      ) : null}
      {sendResult.fetching ? <Loading label="Sending the invitations…" rows={2} /> : null}
      <ErrorNotice error={sendResult.error} />
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
                      <summary>
                        Message<span className="visually-hidden"> sent to {result.email}</span>
                      </summary>
                      <pre className="message">{result.message}</pre>
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
