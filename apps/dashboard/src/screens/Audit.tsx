import { useState } from "react";
import { useQuery } from "urql";
import { graphql } from "../gql";
import { Empty, ErrorNotice, formatDate, Loading, Pager } from "../ui";
import { AdminOnly } from "./AdminOnly";

const PAGE_SIZE = 50;

const AuditQuery = graphql(`
  query AuditTrail($enterpriseKey: String!, $first: Int!, $after: String, $action: String) {
    enterprise(key: $enterpriseKey) {
      id
      auditEvents(first: $first, after: $after, action: $action) {
        pageInfo { hasNextPage endCursor }
        edges { cursor node { id action createdAt actorLogin targetType targetId payload } }
      }
    }
  }
`);

function AuditContent({ enterpriseKey }: { enterpriseKey: string }) {
  const [action, setAction] = useState("");
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors[cursors.length - 1] ?? null;
  const [{ data, error, fetching }] = useQuery({
    query: AuditQuery,
    variables: { enterpriseKey, first: PAGE_SIZE, after, action: action.trim() || null },
  });
  const events = data?.enterprise?.auditEvents;
  return (
    <>
      <h1 tabIndex={-1}>Audit trail</h1>
      <p className="lead">Every change, newest first (R13).</p>
      <form className="filters" role="search" onSubmit={(event) => event.preventDefault()}>
        <div>
          <label htmlFor="audit-action">Action (exact, e.g. invitation.created)</label>
          <input
            id="audit-action"
            type="search"
            value={action}
            onChange={(event) => {
              setAction(event.target.value);
              setCursors([null]);
            }}
          />
        </div>
      </form>
      <ErrorNotice error={error} />
      <div className="table-wrap list" aria-busy={fetching}>
        {!events && fetching ? <Loading rows={8} /> : null}
        {events && events.edges.length === 0 ? <Empty>No audit event matches.</Empty> : null}
        {events && events.edges.length > 0 ? (
          <table className="fixed">
            <caption className="visually-hidden">Audit events</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Action</th>
                <th scope="col">Actor</th>
                <th scope="col">Target</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {events.edges.map(({ node }) => (
                <tr key={node.id}>
                  <td>{formatDate(node.createdAt)}</td>
                  <th scope="row">
                    <code>{node.action}</code>
                  </th>
                  <td>{node.actorLogin ?? "—"}</td>
                  <td>{node.targetType ?? "—"}</td>
                  <td>
                    <details>
                      <summary>Payload</summary>
                      <pre className="message">{JSON.stringify(node.payload, null, 2)}</pre>
                    </details>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </div>
      <Pager cursors={cursors} onChange={setCursors} pageInfo={events?.pageInfo} fetching={fetching} />
    </>
  );
}

export function Audit() {
  return <AdminOnly title="Audit trail">{(enterpriseKey) => <AuditContent enterpriseKey={enterpriseKey} />}</AdminOnly>;
}
