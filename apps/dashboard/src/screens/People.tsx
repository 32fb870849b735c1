import { useState } from "react";
import { useQuery } from "urql";
import { Link } from "wouter";
import { graphql } from "../gql";
import type { CutoverStatus } from "../gql/graphql";
import { Badge, Empty, ErrorNotice, Loading, Pager } from "../ui";
import { AdminOnly } from "./AdminOnly";

const PAGE_SIZE = 25;

const ReadinessQuery = graphql(`
  query Readiness($enterpriseKey: String!, $first: Int!, $after: String, $filter: ReadinessFilter) {
    enterprise(key: $enterpriseKey) {
      id
      readiness(first: $first, after: $after, filter: $filter) {
        totals {
          people
          dopAccounts
          linkedDopAccounts
          ssoOnlyAccounts
          pendingInvitations
          breakGlassAccounts
          removedWithoutSso
          dopOwnedTokens
          blockers
          warnings
        }
        pageInfo { hasNextPage endCursor }
        edges {
          cursor
          node {
            cutoverStatus
            account { id login }
            devopsAccount { login }
            ssoAccount { login }
            invitation { status }
            organizationsOnlyThroughDop { key }
            tokensThatWouldBreak { display }
            warnings
          }
        }
      }
    }
  }
`);

const STATUSES: CutoverStatus[] = ["NOT_INVITED", "INVITED", "LINKED", "SSO_ACTIVE", "DOP_REMOVED", "REMOVED_WITHOUT_SSO"];

function PeopleContent({ enterpriseKey }: { enterpriseKey: string }) {
  const [status, setStatus] = useState<CutoverStatus | "">("");
  const [search, setSearch] = useState("");
  const [notReadyOnly, setNotReadyOnly] = useState(false);
  // The cursors of the pages before this one: "Previous" pops, "Next" pushes.
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors[cursors.length - 1] ?? null;
  const filter = {
    ...(status ? { cutoverStatus: status } : {}),
    ...(search.trim() ? { loginStartsWith: search.trim() } : {}),
    ...(notReadyOnly ? { notReadyOnly: true } : {}),
  };
  const [{ data, error, fetching }] = useQuery({ query: ReadinessQuery, variables: { enterpriseKey, first: PAGE_SIZE, after, filter } });
  const readiness = data?.enterprise?.readiness;
  const restart = () => setCursors([null]);

  return (
    <>
      <h1 tabIndex={-1}>People</h1>
      <p className="lead">Everyone in the cutover, one row per person: the DOP account, the SSO account that supersedes it, and what would break.</p>
      <form className="filters" role="search" onSubmit={(event) => event.preventDefault()}>
        <div>
          <label htmlFor="people-search">Login starts with</label>
          <input
            id="people-search"
            type="search"
            value={search}
            onChange={(event) => {
              setSearch(event.target.value);
              restart();
            }}
          />
        </div>
        <div>
          <label htmlFor="people-status">Status</label>
          <select
            id="people-status"
            value={status}
            onChange={(event) => {
              setStatus(event.target.value as CutoverStatus | "");
              restart();
            }}
          >
            <option value="">Any status</option>
            {STATUSES.map((value) => (
              <option key={value} value={value}>
                {value.replaceAll("_", " ")}
              </option>
            ))}
          </select>
        </div>
        <div className="checkbox">
          <input
            id="people-not-ready"
            type="checkbox"
            checked={notReadyOnly}
            onChange={(event) => {
              setNotReadyOnly(event.target.checked);
              restart();
            }}
          />
          <label htmlFor="people-not-ready">Only people not ready</label>
        </div>
      </form>
      <ErrorNotice error={error} />
      {readiness ? (
        <dl className="counts compact" aria-label="Totals">
          <div>
            <dt>People</dt>
            <dd>{readiness.totals.people}</dd>
          </div>
          <div>
            <dt>DOP accounts</dt>
            <dd>{readiness.totals.dopAccounts}</dd>
          </div>
          <div>
            <dt>Linked</dt>
            <dd>{readiness.totals.linkedDopAccounts}</dd>
          </div>
          <div>
            <dt>SSO only</dt>
            <dd>{readiness.totals.ssoOnlyAccounts}</dd>
          </div>
          <div>
            <dt>Pending invitations</dt>
            <dd>{readiness.totals.pendingInvitations}</dd>
          </div>
          <div>
            <dt>Break-glass</dt>
            <dd>{readiness.totals.breakGlassAccounts}</dd>
          </div>
          <div>
            <dt>Removed without SSO</dt>
            <dd>{readiness.totals.removedWithoutSso}</dd>
          </div>
          <div>
            <dt>DOP-owned tokens</dt>
            <dd>{readiness.totals.dopOwnedTokens}</dd>
          </div>
        </dl>
      ) : null}
      {readiness?.totals.blockers.length ? (
        <ul className="blockers" aria-label="Blockers">
          {readiness.totals.blockers.map((blocker) => (
            <li key={blocker}>{blocker}</li>
          ))}
        </ul>
      ) : null}
      <div className="table-wrap list" aria-busy={fetching}>
        {!readiness && fetching ? <Loading rows={8} /> : null}
        {readiness && readiness.edges.length === 0 ? <Empty>Nobody matches these filters.</Empty> : null}
        {readiness && readiness.edges.length > 0 ? (
          <table className="fixed">
            <caption className="visually-hidden">People and their cutover status</caption>
            <thead>
              <tr>
                <th scope="col">Person</th>
                <th scope="col">Status</th>
                <th scope="col">DOP account</th>
                <th scope="col">SSO account</th>
                <th scope="col">Only through DOP</th>
                <th scope="col">Tokens that break</th>
              </tr>
            </thead>
            <tbody>
              {readiness.edges.map(({ node, cursor }) => (
                <tr key={cursor}>
                  <th scope="row">
                    <Link href={`/admin/people/${encodeURIComponent(node.account.login)}`}>{node.account.login}</Link>
                    {node.warnings.length ? <span className="warn-mark" title={node.warnings.join("\n")}> (warning)</span> : null}
                  </th>
                  <td>
                    <Badge value={node.cutoverStatus} />
                    {node.invitation ? <span className="sub"> invitation {node.invitation.status.toLowerCase()}</span> : null}
                  </td>
                  <td>{node.devopsAccount?.login ?? "—"}</td>
                  <td>{node.ssoAccount?.login ?? "—"}</td>
                  <td>{node.organizationsOnlyThroughDop.map((organization) => organization.key).join(", ") || "—"}</td>
                  <td>{node.tokensThatWouldBreak.length}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </div>
      <Pager cursors={cursors} onChange={setCursors} pageInfo={readiness?.pageInfo} fetching={fetching} />
    </>
  );
}

export function People() {
  return <AdminOnly title="People">{(enterpriseKey) => <PeopleContent enterpriseKey={enterpriseKey} />}</AdminOnly>;
}
