import { useMemo, useState } from "react";
import { useMutation, useQuery } from "urql";
import { graphql } from "../gql";
import type { CutoverStatus, RemoveDevopsAccountsMutation } from "../gql/graphql";
import { Badge, Empty, ErrorNotice, Loading, PayloadError } from "../ui";
import { AdminOnly } from "./AdminOnly";

const CandidatesQuery = graphql(`
  query TerminateCandidates($enterpriseKey: String!) {
    enterprise(key: $enterpriseKey) {
      id
      setupProgress { counts { enterpriseAdministrators ssoEnterpriseAdministrators breakGlassAccounts dopAccountsToRemove } }
      ssoAccounts: members(first: 100, kind: SSO) { edges { node { id login name } } }
      dopAccounts: members(first: 100, kind: DEVOPS) { edges { node { id login name cutoverStatus(enterpriseKey: $enterpriseKey) } } }
    }
  }
`);

const GrantMutation = graphql(`
  mutation GrantAdministerEnterprise($enterpriseKey: String!, $accountId: ID!) {
    grantEnterprisePermission(input: { enterpriseKey: $enterpriseKey, accountId: $accountId, permission: ADMINISTER_ENTERPRISE }) {
      ... on EnterprisePermissionChange { account { id login } administrators dopAdministrators warnings }
      ... on Error { code message field }
    }
  }
`);

const RemoveMutation = graphql(`
  mutation RemoveDevopsAccounts($enterpriseKey: String!, $accountIds: [ID!]!, $acknowledge: [ID!], $dryRun: Boolean!) {
    removeDevopsAccountsFromOrganizations(
      input: { enterpriseKey: $enterpriseKey, accountIds: $accountIds, acknowledgeAccessLoss: $acknowledge, dryRun: $dryRun }
    ) {
      ... on CutoverPlan {
        applied
        dryRun
        warnings
        memberships { account { id login } organization { key } permissions groups }
        enterprisePermissions { account { login } permission }
        tokensThatBreak { display owner { login } }
        organizationsLosingLastAdmin { organization { key } adminsBefore }
        missingSsoMemberships { devopsAccount { login } organization { key } missing }
        accessLoss { account { id login } ssoAccount { login } organizations { key } acknowledged }
        violations { code message account { login } organization { key } }
      }
      ... on Error { code message field }
    }
  }
`);

type Plan = Extract<RemoveDevopsAccountsMutation["removeDevopsAccountsFromOrganizations"], { __typename?: "CutoverPlan"; applied: boolean }>;

const STATUSES: CutoverStatus[] = ["LINKED", "INVITED", "NOT_INVITED", "DOP_REMOVED", "REMOVED_WITHOUT_SSO"];

function planCounts(plan: Plan) {
  return {
    accounts: new Set(plan.memberships.map((membership) => membership.account.id)).size,
    memberships: plan.memberships.length,
    tokens: plan.tokensThatBreak.length,
    accessLoss: plan.accessLoss.length,
  };
}

function PlanView({ plan, acknowledged, onAcknowledge }: { plan: Plan; acknowledged: Set<string>; onAcknowledge: (ids: string[], on: boolean) => void }) {
  const counts = planCounts(plan);
  return (
    <section aria-labelledby="plan-heading" className="plan">
      <h2 id="plan-heading">{plan.applied ? "Applied" : plan.dryRun ? "Dry run: the plan" : "Not applied: the plan"}</h2>
      <dl className="counts compact">
        <div>
          <dt>DOP accounts</dt>
          <dd>{counts.accounts}</dd>
        </div>
        <div>
          <dt>Memberships removed</dt>
          <dd>{counts.memberships}</dd>
        </div>
        <div>
          <dt>Tokens that break</dt>
          <dd>{counts.tokens}</dd>
        </div>
        <div>
          <dt>People losing access</dt>
          <dd>{counts.accessLoss}</dd>
        </div>
        <div>
          <dt>Violations</dt>
          <dd>{plan.violations.length}</dd>
        </div>
      </dl>
      {plan.violations.length ? (
        <div className="notice notice-error" role="alert">
          <h3>Violations: nothing can be applied until each is resolved</h3>
          <ul>
            {plan.violations.map((violation, index) => (
              <li key={index}>
                <strong>{violation.code}</strong>: {violation.message}
              </li>
            ))}
          </ul>
        </div>
      ) : (
        <div className="notice notice-ok" role="status">
          <p>No violation: this plan can be applied.</p>
        </div>
      )}
      {plan.warnings.length ? (
        <ul className="warnings" aria-label="Plan warnings">
          {plan.warnings.map((warning) => (
            <li key={warning}>{warning}</li>
          ))}
        </ul>
      ) : null}
      {plan.accessLoss.length ? (
        <fieldset>
          <legend>People losing access (R9 d): acknowledge each to allow the removal</legend>
          <button type="button" className="secondary" onClick={() => onAcknowledge(plan.accessLoss.map((loss) => loss.account.id), true)}>
            Acknowledge all {plan.accessLoss.length}
          </button>
          <ul className="plain">
            {plan.accessLoss.map((loss) => (
              <li key={loss.account.id} className="checkbox">
                <input
                  id={`ack-${loss.account.id}`}
                  type="checkbox"
                  checked={acknowledged.has(loss.account.id)}
                  onChange={(event) => onAcknowledge([loss.account.id], event.target.checked)}
                />
                <label htmlFor={`ack-${loss.account.id}`}>
                  {loss.account.login} loses {loss.organizations.map((organization) => organization.key).join(", ")}
                  {loss.ssoAccount ? ` (SSO account ${loss.ssoAccount.login})` : " (no SSO account)"}
                </label>
              </li>
            ))}
          </ul>
        </fieldset>
      ) : null}
      <details>
        <summary>Memberships removed ({plan.memberships.length})</summary>
        <ul className="plain columns">
          {plan.memberships.map((membership) => (
            <li key={`${membership.account.id}-${membership.organization.key}`}>
              {membership.account.login} from <code>{membership.organization.key}</code>
              {membership.permissions.length ? ` (${membership.permissions.join(", ")})` : ""}
            </li>
          ))}
        </ul>
      </details>
      <details>
        <summary>Tokens that break ({plan.tokensThatBreak.length})</summary>
        <ul className="plain">
          {plan.tokensThatBreak.map((token) => (
            <li key={token.display}>
              <code>{token.display}</code> of {token.owner.login}
            </li>
          ))}
        </ul>
      </details>
      {plan.missingSsoMemberships.length ? (
        <details>
          <summary>What SSO accounts still lack ({plan.missingSsoMemberships.length})</summary>
          <ul className="plain">
            {plan.missingSsoMemberships.map((missing) => (
              <li key={`${missing.devopsAccount.login}-${missing.organization.key}`}>
                {missing.devopsAccount.login} in <code>{missing.organization.key}</code>: {missing.missing.join(", ")}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </section>
  );
}

function TerminateContent({ enterpriseKey }: { enterpriseKey: string }) {
  const [candidates, refetchCandidates] = useQuery({ query: CandidatesQuery, variables: { enterpriseKey } });
  const [grantResult, grant] = useMutation(GrantMutation);
  const [removeResult, remove] = useMutation(RemoveMutation);
  const [ssoAccountId, setSsoAccountId] = useState("");
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [acknowledged, setAcknowledged] = useState<Set<string>>(new Set());
  const [planKey, setPlanKey] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);

  const enterprise = candidates.data?.enterprise;
  const dopAccounts = useMemo(() => enterprise?.dopAccounts.edges.map((edge) => edge.node) ?? [], [enterprise]);
  const ssoAccounts = enterprise?.ssoAccounts.edges.map((edge) => edge.node) ?? [];
  const selectionKey = JSON.stringify([[...selected].sort(), [...acknowledged].sort()]);
  const payload = removeResult.data?.removeDevopsAccountsFromOrganizations;
  const plan = payload && "applied" in payload ? (payload as Plan) : null;
  const planError = payload && "code" in payload ? payload : null;
  const planIsCurrent = plan !== null && planKey === selectionKey;
  const grantPayload = grantResult.data?.grantEnterprisePermission;

  const run = async (dryRun: boolean) => {
    setConfirming(false);
    const acknowledge = [...acknowledged].filter((id) => selected.has(id));
    const result = await remove({ enterpriseKey, accountIds: [...selected], acknowledge, dryRun });
    setPlanKey(selectionKey);
    const answer = result.data?.removeDevopsAccountsFromOrganizations;
    if (!dryRun && answer && "applied" in answer && answer.applied) {
      setSelected(new Set());
      setAcknowledged(new Set());
      refetchCandidates({ requestPolicy: "network-only" });
    }
  };

  const select = (ids: string[], on: boolean) => {
    const next = new Set(selected);
    for (const id of ids) if (on) next.add(id);
    else next.delete(id);
    setSelected(next);
  };

  return (
    <>
      <h1 tabIndex={-1}>Terminate DOP accounts</h1>
      <p className="lead">
        Give an SSO account Administer Enterprise (R8), then remove DOP accounts from the enterprise's organizations: dry-run first, read the plan,
        acknowledge who loses access, and apply only a plan without violations (R9).
      </p>
      <ErrorNotice error={candidates.error} />
      {candidates.fetching && !candidates.data ? <Loading rows={6} /> : null}
      {enterprise ? (
        <>
          <section aria-labelledby="grant-heading">
            <h2 id="grant-heading">1. Administer Enterprise for an SSO account</h2>
            <p>
              Enterprise administrators: {enterprise.setupProgress.counts.enterpriseAdministrators}, of which SSO accounts:{" "}
              {enterprise.setupProgress.counts.ssoEnterpriseAdministrators}; break-glass DOP accounts: {enterprise.setupProgress.counts.breakGlassAccounts}.
            </p>
            <form
              className="inline"
              onSubmit={(event) => {
                event.preventDefault();
                if (ssoAccountId) void grant({ enterpriseKey, accountId: ssoAccountId }).then(() => refetchCandidates({ requestPolicy: "network-only" }));
              }}
            >
              <label htmlFor="grant-account">SSO account</label>
              <select id="grant-account" required value={ssoAccountId} onChange={(event) => setSsoAccountId(event.target.value)}>
                <option value="">Choose an SSO account</option>
                {ssoAccounts.map((account) => (
                  <option key={account.id} value={account.id}>
                    {account.login} ({account.name})
                  </option>
                ))}
              </select>
              <button type="submit" disabled={grantResult.fetching || !ssoAccountId}>
                Grant Administer Enterprise
              </button>
            </form>
            <ErrorNotice error={grantResult.error} />
            {grantPayload && "code" in grantPayload ? <PayloadError error={grantPayload} /> : null}
            {grantPayload && "administrators" in grantPayload ? (
              <div className="notice notice-ok" role="status">
                <p>
                  {grantPayload.account.login} now holds Administer Enterprise ({grantPayload.administrators} administrators,{" "}
                  {grantPayload.dopAdministrators} of them DOP accounts).
                </p>
                {grantPayload.warnings.map((warning) => (
                  <p key={warning}>{warning}</p>
                ))}
              </div>
            ) : null}
          </section>

          <section aria-labelledby="select-heading">
            <h2 id="select-heading">2. DOP accounts to remove</h2>
            {dopAccounts.length === 0 ? (
              <Empty>No DOP account is left in the enterprise's organizations.</Empty>
            ) : (
              <fieldset>
                <legend>
                  Select DOP accounts ({selected.size} of {dopAccounts.length} selected)
                </legend>
                <div className="toolbar">
                  <button type="button" className="secondary" onClick={() => select(dopAccounts.map((account) => account.id), true)}>
                    Select all
                  </button>
                  <button type="button" className="secondary" onClick={() => setSelected(new Set())}>
                    Select none
                  </button>
                  <label htmlFor="select-status">Add every account with status</label>
                  <select
                    id="select-status"
                    value=""
                    onChange={(event) => {
                      const status = event.target.value;
                      if (status) select(dopAccounts.filter((account) => account.cutoverStatus === status).map((account) => account.id), true);
                    }}
                  >
                    <option value="">Choose a status</option>
                    {STATUSES.map((status) => (
                      <option key={status} value={status}>
                        {status.replaceAll("_", " ")}
                      </option>
                    ))}
                  </select>
                </div>
                <ul className="plain columns">
                  {dopAccounts.map((account) => (
                    <li key={account.id} className="checkbox">
                      <input
                        id={`dop-${account.id}`}
                        type="checkbox"
                        checked={selected.has(account.id)}
                        onChange={(event) => select([account.id], event.target.checked)}
                      />
                      <label htmlFor={`dop-${account.id}`}>
                        {account.login} {account.cutoverStatus ? <Badge value={account.cutoverStatus} /> : null}
                      </label>
                    </li>
                  ))}
                </ul>
              </fieldset>
            )}
          </section>

          <section aria-labelledby="run-heading">
            <h2 id="run-heading">3. Dry run, then apply</h2>
            <div className="toolbar">
              <button type="button" disabled={selected.size === 0 || removeResult.fetching} onClick={() => void run(true)}>
                {removeResult.fetching ? "Working…" : "Run the dry run"}
              </button>
              <button
                type="button"
                className="danger"
                disabled={!planIsCurrent || !plan || plan.applied || plan.violations.length > 0 || plan.memberships.length === 0 || removeResult.fetching}
                onClick={() => setConfirming(true)}
              >
                Apply…
              </button>
            </div>
            {plan && !planIsCurrent && !plan.applied ? (
              <p className="notice notice-warn" role="status">
                The selection or the acknowledgements changed since this plan: run the dry run again before applying.
              </p>
            ) : null}
            {confirming && plan ? (
              <div className="confirm" role="alertdialog" aria-labelledby="confirm-heading" aria-describedby="confirm-text">
                <h3 id="confirm-heading">Remove these DOP accounts?</h3>
                <p id="confirm-text">
                  This removes {planCounts(plan).accounts} DOP accounts from {planCounts(plan).memberships} memberships; {planCounts(plan).tokens} tokens
                  break and {planCounts(plan).accessLoss} people lose access (acknowledged). It cannot be undone from here.
                </p>
                <div className="toolbar">
                  <button type="button" className="danger" autoFocus onClick={() => void run(false)}>
                    Confirm the removal
                  </button>
                  <button type="button" className="secondary" onClick={() => setConfirming(false)}>
                    Cancel
                  </button>
                </div>
              </div>
            ) : null}
            <ErrorNotice error={removeResult.error} />
            <PayloadError error={planError} />
            {plan?.applied ? (
              <div className="notice notice-ok" role="status">
                <p>Applied: the DOP accounts were removed. People removed without SSO stay listed under People (REMOVED WITHOUT SSO).</p>
              </div>
            ) : null}
            {plan ? (
              <PlanView
                plan={plan}
                acknowledged={acknowledged}
                onAcknowledge={(ids, on) => {
                  const next = new Set(acknowledged);
                  for (const id of ids) if (on) next.add(id);
                  else next.delete(id);
                  setAcknowledged(next);
                }}
              />
            ) : null}
          </section>
        </>
      ) : null}
    </>
  );
}

export function Terminate() {
  return <AdminOnly title="Terminate DOP accounts">{(enterpriseKey) => <TerminateContent enterpriseKey={enterpriseKey} />}</AdminOnly>;
}
