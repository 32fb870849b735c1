/** The nested reads `pnpm bench` drives (bench/run.ts), as documents with variables, for tests that count or compare them. */

/** The member fields the benchmark's member lists ask for. */
export const BENCH_MEMBER = "login email kind organizations { key name } tokenGuidance { willBreak { display lastUsedAt } }";

export const BENCH_MEMBERS = `query BenchMembers($key: String!, $first: Int!) {
  enterprise(key: $key) { members(first: $first) { edges { node { ${BENCH_MEMBER} } } } }
}`;

export const BENCH_DASHBOARD = `query BenchDashboard($key: String!, $organizations: Int!, $first: Int!) {
  enterprise(key: $key) { organizations(first: $organizations) { key members(first: $first) { edges { node { ${BENCH_MEMBER} } } } } }
}`;

export const BENCH_READINESS = `query BenchReadiness($key: String!, $first: Int!) {
  enterprise(key: $key) {
    readiness(first: $first) {
      edges { node { account { login } cutoverStatus organizationsOnlyThroughDop { key } tokensThatWouldBreak { display } invitation { status } } }
      totals { people dopAccounts linkedDopAccounts ssoOnlyAccounts pendingInvitations dopOwnedTokens breakGlassAccounts blockers warnings }
    }
  }
}`;
