/**
 * R15: the authorization matrix, generated from the introspected schema. Every root query field, every object-field
 * path to depth 3 below `enterprise` and `viewer`, every mutation given ids of the other enterprise, and `node`/`nodes`
 * with every kind of global id of two enterprises — as each principal — checked against an oracle computed from the
 * database (tests/kit/tenants.ts). A type, field argument or mutation the matrix does not know fails the test: add it
 * to the tables below (and to the oracle when its objects belong to an enterprise).
 */
import {
  buildClientSchema,
  getIntrospectionQuery,
  getNamedType,
  isAbstractType,
  isLeafType,
  isNonNullType,
  isObjectType,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type IntrospectionQuery,
} from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type GraphQLResponse, type TestGateway } from "../kit/gateway";
import {
  ENTERPRISE_OWNED_TYPES,
  buildTwoEnterprises,
  databaseFingerprint,
  decodeGlobalId,
  globalId,
  readWorld,
  type OwnedType,
  type TwoEnterprises,
  type Visibility,
  type World,
} from "../kit/tenants";

/** Types that carry no enterprise-owned identity of their own: what they show is checked through their fields. */
const CARRIER_TYPES = new Set([
  "Query", "Mutation", "PageInfo", "DomainError", "AccessReview", "AccessReviewRow", "AccountTokenGuidance",
  "AnalysisOrganization", "AttributeMapping", "BreakingToken", "ConfigureSsoConnectionSuccess",
  "CreatePersonalAccessTokenSuccess", "CreateScopedOrganizationTokenSuccess", "CutoverPlan", "CutoverViolation",
  "DeletedAccount", "EnterpriseAuditEventsConnection", "EnterpriseAuditEventsConnectionEdge",
  "EnterpriseInvitationsConnection", "EnterpriseInvitationsConnectionEdge", "EnterpriseMembersConnection",
  "EnterpriseMembersConnectionEdge", "OrganizationMembersConnection", "OrganizationMembersConnectionEdge",
  "EnterprisePermissionChange", "GeneratedRecoveryPassword", "InvitationError",
  "InviteUserResult", "InviteUsersSuccess", "LinkDevopsAccountSuccess", "MissingSsoMembership", "OrganizationAccess",
  "OrganizationLosingAdmin", "OrganizationTokenGuidance", "ReadinessConnection", "ReadinessConnectionEdge",
  "ReadinessInvitation", "ReadinessRow", "ReadinessTotals", "RecoveryAccess", "RemovedEnterprisePermission",
  "RemovedMembership", "ResendInvitationSuccess", "RevokeInvitationSuccess", "RevokeTokenSuccess", "SetupCounts",
  "SetupProgress", "SetupStep", "SsoTokenAccess", "TokenInfo", "TokenInfoOrganization", "TokenRecommendation",
  "TokenReplacement", "AccessLoss", "AccessLossRecord", "IdpCertificate", "SetSsoGroupMappingsSuccess",
  "AcceptedAttributeNames",
  "OrganizationAccessChange", "OrganizationPermissionGrant", "OrganizationPermissionsConnection",
  "OrganizationPermissionsConnectionEdge", "OrganizationGroupMembersConnection", "OrganizationGroupMembersConnectionEdge",
  "DirectoryImportResult", "DirectoryImportChanges", "DirectoryImportViolation", "DirectoryImportAccessLoss",
  "ScimTokenInfo", "CreatedScimToken", "RevokedScimToken",
]);

/** Values for required field arguments, by `Type.field.argument`. */
const REQUIRED_ARGUMENTS: Record<string, (t: TwoEnterprises) => string> = {
  "Enterprise.tokenGuidance.organizationKey": (t) => JSON.stringify(t.a.organization("web").key),
  "TokenInfo.canAnalyze.projectKey": () => JSON.stringify("app"),
};

/** Root query fields and how the matrix covers each. */
const ROOT_FIELDS: Record<string, "tree" | "enterprise" | "nodes"> = {
  viewer: "tree",
  tokenInfo: "tree",
  enterprise: "enterprise",
  node: "nodes",
  nodes: "nodes",
};

const MAX_DEPTH = 3;
const ALIASES_PER_DOCUMENT = 20;
/** Tree documents hold fewer aliases: each alias is a deep tree, and the embedded database serves one statement at a time. */
const TREES_PER_DOCUMENT = 4;
const REFUSALS = new Set(["UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND"]);

interface Principal {
  name: string;
  token: string | null;
  /** The account whose visibility applies; null when the principal authenticates no account. */
  accountId: string | null;
  /** The enterprise whose ids its mutations are given: one it does not administer. */
  foreign: "a" | "b";
  /** Names it may read besides the oracle's (a SOT reads its own organization in `tokenInfo`). */
  alsoReads?: string[];
}

let kit: TestGateway;
let t: TwoEnterprises;
let world: World;
let schema: GraphQLSchema;
let principals: Principal[];
const cells = { query: 0, mutation: 0, node: 0 };

beforeAll(async () => {
  // The matrix asks for whole subtrees to depth 3 at once: it tests who sees what, not the cost limit
  // (tests/security/bounded-work.test.ts does), so its gateway allows costlier documents.
  kit = await startTestGateway({ MAX_REQUEST_COST: "10000000" });
  t = await buildTwoEnterprises(kit.prisma);
  world = await readWorld(kit.prisma);
  const introspection = await kit.graphql<IntrospectionQuery>(getIntrospectionQuery(), { token: t.a.secret("a-admin", "main") });
  schema = buildClientSchema(introspection.data!);
  const account = (scenario: "a" | "b", handle: string) => t[scenario].account(handle).id;
  principals = [
    { name: "anonymous", token: null, accountId: null, foreign: "b" },
    { name: "SSO member", token: t.a.secret("a-sso", "main"), accountId: account("a", "a-sso"), foreign: "b" },
    { name: "DOP member", token: t.a.secret("a-dop", "main"), accountId: account("a", "a-dop"), foreign: "b" },
    { name: "group-only member", token: t.a.secret("a-grouped", "main"), accountId: account("a", "a-grouped"), foreign: "b" },
    { name: "organization admin", token: t.a.secret("a-orgadmin", "main"), accountId: account("a", "a-orgadmin"), foreign: "b" },
    { name: "enterprise admin", token: t.a.secret("a-admin", "main"), accountId: account("a", "a-admin"), foreign: "b" },
    { name: "admin of the second enterprise", token: t.b.secret("b-admin", "main"), accountId: account("b", "b-admin"), foreign: "a" },
    {
      name: "scoped organization token",
      token: t.sotSecret["a-web"]!,
      accountId: null,
      foreign: "b",
      alsoReads: [t.a.organization("web").key],
    },
    { name: "revoked token", token: t.a.secret("a-admin", "revoked"), accountId: null, foreign: "b" },
    { name: "expired token", token: t.a.secret("a-admin", "expired"), accountId: null, foreign: "b" },
    // Another user's PAT: whoever holds it sees what its owner (in both enterprises) sees, and no more.
    { name: "another user's PAT (member of both enterprises)", token: t.a.secret("shared", "main"), accountId: account("a", "shared"), foreign: "b" },
  ];
}, 120_000);
afterAll(async () => {
  console.log(
    `authorization matrix: ${cells.query} query cells + ${cells.mutation} mutation cells + ${cells.node} node cells = ` +
      `${cells.query + cells.mutation + cells.node} cells × ${principals.length} principals = ` +
      `${(cells.query + cells.mutation + cells.node) * principals.length} checks`,
  );
  await kit.close();
});

// ------------------------------------------------------------------------------------------ selections

/** The selection of a type to `depth` levels of objects (connections and edges do not count), `id` and `__typename` everywhere. */
function selectionOf(type: GraphQLNamedType, depth: number, path: string, paths: Set<string>): string {
  if (isAbstractType(type)) {
    return `__typename ${schema
      .getPossibleTypes(type)
      .map((possible) => `... on ${possible.name} { ${selectionOf(possible, depth, `${path}<${possible.name}>`, paths)} }`)
      .join(" ")}`;
  }
  if (!isObjectType(type)) return "";
  const fields = Object.values(type.getFields());
  const parts = ["__typename"];
  if (type.getFields().id) parts.push("id");
  const wrapper = /Connection$|ConnectionEdge$/.test(type.name);
  if (depth >= MAX_DEPTH && !wrapper) return parts.join(" ");
  for (const field of fields) {
    if (field.name === "id") continue;
    const fieldPath = `${path}.${field.name}`;
    const args = argumentsOf(type.name, field);
    const named = getNamedType(field.type);
    if (isLeafType(named)) {
      parts.push(`${field.name}${args}`);
    } else {
      parts.push(`${field.name}${args} { ${selectionOf(named, wrapper ? depth : depth + 1, fieldPath, paths)} }`);
    }
    paths.add(fieldPath);
  }
  return parts.join(" ");
}

function argumentsOf(typeName: string, field: GraphQLField<unknown, unknown>): string {
  const given: string[] = [];
  for (const arg of field.args) {
    const key = `${typeName}.${field.name}.${arg.name}`;
    if (REQUIRED_ARGUMENTS[key]) given.push(`${arg.name}: ${REQUIRED_ARGUMENTS[key](t)}`);
    else if (arg.name === "first") given.push("first: 5");
    else if (isNonNullType(arg.type) && arg.defaultValue === undefined) {
      throw new Error(`The matrix has no value for the required argument ${key}: add it to REQUIRED_ARGUMENTS.`);
    }
  }
  return given.length ? `(${given.join(", ")})` : "";
}

// ------------------------------------------------------------------------------------------- checking

/** Every object the response shows must be visible by the oracle; every identifying string readable. */
function checkShown(value: unknown, visibility: Visibility, principal: Principal, where: string, problems: string[]): void {
  if (Array.isArray(value)) {
    value.forEach((item, index) => checkShown(item, visibility, principal, `${where}[${index}]`, problems));
    return;
  }
  if (typeof value === "string") {
    for (const name of world.names.keys()) {
      if (value.includes(name) && !visibility.mayRead(name) && !principal.alsoReads?.includes(name)) {
        problems.push(`${where} shows "${name}", which belongs to what ${principal.name} may not see`);
      }
    }
    return;
  }
  if (value === null || typeof value !== "object") return;
  const object = value as Record<string, unknown>;
  const typename = object.__typename;
  if (typeof typename === "string") {
    if (!CARRIER_TYPES.has(typename) && !(ENTERPRISE_OWNED_TYPES as readonly string[]).includes(typename)) {
      problems.push(`${where}: the oracle does not know the type ${typename}: add it to the oracle (tests/kit/tenants.ts) or to CARRIER_TYPES`);
    }
    if ((ENTERPRISE_OWNED_TYPES as readonly string[]).includes(typename) && typeof object.id === "string") {
      const { id } = decodeGlobalId(object.id);
      if (!visibility.sees(typename as OwnedType, id)) problems.push(`${where}: ${typename} ${id} is not visible to ${principal.name}`);
    }
  }
  for (const [key, child] of Object.entries(object)) {
    if (key === "__typename" || key === "id") continue;
    checkShown(child, visibility, principal, `${where}.${key}`, problems);
  }
}

function checkErrors(response: GraphQLResponse, visibility: Visibility, where: string, problems: string[]): void {
  for (const error of response.errors ?? []) {
    const code = error.extensions?.code;
    if (!REFUSALS.has(code)) {
      problems.push(`${where}: ${error.path?.join(".") ?? ""} answered ${code ?? "no code"}: "${error.message}"`);
      const logged = kit.logLines.filter((line) => line.includes("unexpected error")).at(-1);
      if (logged) problems.push(`  logged: ${logged.slice(0, 1500)}`);
    }
    for (const name of world.names.keys()) {
      if (error.message.includes(name) && !visibility.mayRead(name)) problems.push(`${where}: an error names "${name}"`);
    }
  }
}

async function run(principal: Principal, document: string, variables: Record<string, unknown> = {}) {
  return kit.graphql(document, { token: principal.token, variables });
}

function aliasChunks<T>(items: T[], size = ALIASES_PER_DOCUMENT): T[][] {
  const chunks: T[][] = [];
  for (let index = 0; index < items.length; index += size) chunks.push(items.slice(index, index + size));
  return chunks;
}

// --------------------------------------------------------------------------------------------- cells

describe("R15: authorization matrix", () => {
  it("R15: the matrix knows every type of the schema, and every root field", () => {
    const unknownTypes = Object.values(schema.getTypeMap())
      .filter((type) => isObjectType(type) && !type.name.startsWith("__"))
      .map((type) => type.name)
      .filter((name) => !CARRIER_TYPES.has(name) && !(ENTERPRISE_OWNED_TYPES as readonly string[]).includes(name));
    expect(unknownTypes, "add these types to the oracle (tests/kit/tenants.ts) or to CARRIER_TYPES").toEqual([]);
    const unknownRoots = Object.keys(schema.getQueryType()!.getFields()).filter((name) => !ROOT_FIELDS[name]);
    expect(unknownRoots, "add these root fields to ROOT_FIELDS").toEqual([]);
    // Every Node type of the schema is an enterprise-owned type the node cells cover.
    const nodeTypes = schema.getPossibleTypes(schema.getType("Node") as never).map((type) => type.name);
    expect(nodeTypes.filter((name) => !(ENTERPRISE_OWNED_TYPES as readonly string[]).includes(name))).toEqual([]);
  });

  it("R15: every root query field and every field path to depth 3 below enterprise and viewer shows only what the oracle allows", async () => {
    const query = schema.getQueryType()!;
    const problems: string[] = [];
    const paths = new Set<string>();
    // One alias per field of the root's type, so that a refused field (e.g. FORBIDDEN readiness) nulls only itself.
    const documents: { name: string; text: string; variables?: Record<string, unknown> }[] = [];
    for (const [fieldName, coverage] of Object.entries(ROOT_FIELDS)) {
      const field = query.getFields()[fieldName]!;
      const type = getNamedType(field.type);
      if (coverage === "nodes") continue;
      const roots = coverage === "enterprise" ? [t.a.enterprise.key, t.b.enterprise.key].map((key) => `${fieldName}(key: ${JSON.stringify(key)})`) : [fieldName];
      for (const root of roots) {
        const subfields = isObjectType(type) ? Object.values(type.getFields()) : [];
        const aliases = subfields.map((subfield, index) => {
          const one = new Set<string>();
          const named = getNamedType(subfield.type);
          const args = argumentsOf(type.name, subfield);
          const inner = isLeafType(named) ? "" : ` { ${selectionOf(named, 1, `${fieldName}.${subfield.name}`, one)} }`;
          one.add(`${fieldName}.${subfield.name}`);
          for (const path of one) paths.add(path);
          return `f${index}: ${root} { __typename${isObjectType(type) && type.getFields().id ? " id" : ""} ${subfield.name}${args}${inner} }`;
        });
        paths.add(fieldName);
        for (const [index, chunk] of aliasChunks(aliases, TREES_PER_DOCUMENT).entries()) documents.push({ name: `${root}#${index}`, text: `{ ${chunk.join(" ")} }` });
      }
    }
    cells.query = paths.size;

    for (const principal of principals) {
      const visibility = world.read(principal.accountId);
      for (const document of documents) {
        const response = await run(principal, document.text);
        const where = `${principal.name} / ${document.name}`;
        expect(response.status, `${where}: HTTP status`).toBeLessThan(500);
        checkErrors(response, visibility, where, problems);
        checkShown(response.data, visibility, principal, where, problems);
      }
    }
    expect(problems).toEqual([]);
  }, 600_000);

  it("R15: node and nodes answer exactly the ids the oracle says the principal may see, null for the rest", async () => {
    const ids: { global: string; type: OwnedType | null; id: string }[] = [];
    for (const type of ENTERPRISE_OWNED_TYPES) {
      const isNode = schema.getPossibleTypes(schema.getType("Node") as never).some((possible) => possible.name === type);
      for (const row of world.rows[type]) ids.push({ global: globalId(type, row.id), type: isNode ? type : null, id: row.id });
    }
    // Ids of no Node type, of an unknown type, and of an existing row under the wrong type: null for everyone.
    const someAccount = world.rows.Account[0]!.id;
    ids.push({ global: globalId("Organization", someAccount), type: null, id: someAccount });
    ids.push({ global: globalId("NoSuchType", "x"), type: null, id: "x" });
    ids.push({ global: globalId("AccessReview", "x"), type: null, id: "x" });
    expect(ids.length).toBeLessThanOrEqual(100);
    cells.node = ids.length * 2;

    const selection = `__typename ... on Node { id }
      ... on Account { login organizations { __typename id key name plan devopsPlatform enterprise { __typename id key } } }
      ... on Organization { key enterprise { __typename id key } }
      ... on Invitation { email }
      ... on Token { name owner { __typename id login } organization { __typename id key } }
      ... on AuditEvent { action actor { __typename id login } }
      ... on SsoConnection { idpSsoUrl }
      ... on Enterprise { key }`;
    const problems: string[] = [];
    for (const principal of principals) {
      const visibility = world.read(principal.accountId);
      const expected = ids.map((entry) => entry.type !== null && visibility.sees(entry.type, entry.id));

      const listed = await run(principal, `query($ids: [ID!]!) { nodes(ids: $ids) { ${selection} } }`, { ids: ids.map((entry) => entry.global) });
      checkErrors(listed, visibility, `${principal.name} / nodes`, problems);
      checkShown(listed.data, visibility, principal, `${principal.name} / nodes`, problems);
      const listedAnswers: unknown[] = listed.data?.nodes ?? ids.map(() => null);

      const singleAnswers: unknown[] = [];
      for (const chunk of aliasChunks(ids.map((entry, index) => ({ entry, index })))) {
        const single = await run(
          principal,
          `{ ${chunk.map(({ entry, index }) => `n${index}: node(id: ${JSON.stringify(entry.global)}) { ${selection} }`).join(" ")} }`,
        );
        checkErrors(single, visibility, `${principal.name} / node`, problems);
        checkShown(single.data, visibility, principal, `${principal.name} / node`, problems);
        for (const { index } of chunk) singleAnswers[index] = single.data?.[`n${index}`] ?? null;
      }
      ids.forEach((entry, index) => {
        const label = `${principal.name}: ${entry.global} (${entry.type ?? "not a node"} ${entry.id})`;
        if ((listedAnswers[index] !== null) !== expected[index]) problems.push(`${label} nodes → ${listedAnswers[index] === null ? "null" : "shown"}, oracle: ${expected[index]}`);
        if ((singleAnswers[index] !== null) !== expected[index]) problems.push(`${label} node → ${singleAnswers[index] === null ? "null" : "shown"}, oracle: ${expected[index]}`);
      });
    }
    expect(problems).toEqual([]);
  }, 300_000);

  it("R15: every mutation given ids of the other enterprise is refused (NOT_FOUND/FORBIDDEN/UNAUTHENTICATED), names nothing it may not see, and changes nothing", async () => {
    const side = (which: "a" | "b") => t[which];
    const own = (which: "a" | "b") => (which === "a" ? "b" : "a");
    /** An organization of the foreign enterprise, and one of the principal's own, whose admins it may be. */
    const foreignOrganization = (f: "a" | "b") => (f === "a" ? t.a.organization("web").key : t.b.organization("gweb").key);
    const ownOrganization = (f: "a" | "b") => foreignOrganization(own(f));
    /**
     * Inputs per mutation, given the principal's foreign enterprise. Several inputs per mutation: the foreign
     * enterprise's key, and the principal's own enterprise's key with foreign ids. `selfService` mutations take no id
     * of anything but the caller: only principals without an account are checked for them.
     */
    const MUTATIONS: Record<string, { selfService?: boolean; alsoAllowed?: string[]; provesControl?: boolean; inputs: (foreign: "a" | "b") => Record<string, unknown>[] }> = {
      configureSsoConnection: {
        inputs: (f) => [
          {
            enterpriseKey: side(f).enterprise.key,
            idpEntityId: "https://idp.attacker.example/metadata",
            idpSsoUrl: "https://idp.attacker.example/sso",
            idpCertificate: world.rows.SsoConnection.length ? (world.rows.SsoConnection[0] as unknown as { idpCertificates: string[] }).idpCertificates[0] : "",
          },
        ],
      },
      inviteUsers: { inputs: (f) => [{ enterpriseKey: side(f).enterprise.key, emails: ["mallory@attacker.example"] }] },
      revokeInvitation: { inputs: (f) => [{ invitationId: globalId("Invitation", t.invitationId[f]) }] },
      resendInvitation: { inputs: (f) => [{ invitationId: globalId("Invitation", t.invitationId[f]) }] },
      linkDevopsAccount: {
        // Holding the DOP account's token proves control of it: naming it back is no leak.
        alsoAllowed: ["PRECONDITION_FAILED", "INVALID_INPUT"],
        provesControl: true,
        inputs: (f) => [{ devopsAccountToken: side(f).secret(f === "a" ? "a-dop" : "b-dop", "main") }],
      },
      linkDevopsAccountForUser: {
        inputs: (f) => {
          const ids = {
            devopsAccountId: globalId("Account", side(f).account(`${f}-pair-dop`).id),
            ssoAccountId: globalId("Account", side(f).account(`${f}-pair-sso`).id),
          };
          return [
            { enterpriseKey: side(f).enterprise.key, ...ids },
            { enterpriseKey: side(own(f)).enterprise.key, ...ids },
          ];
        },
      },
      grantEnterprisePermission: {
        inputs: (f) => [
          { enterpriseKey: side(f).enterprise.key, accountId: globalId("Account", side(f).account(`${f}-dop`).id), permission: "ADMINISTER_ENTERPRISE" },
          { enterpriseKey: side(own(f)).enterprise.key, accountId: globalId("Account", side(f).account(`${f}-dop`).id), permission: "ADMINISTER_ENTERPRISE" },
        ],
      },
      revokeEnterprisePermission: {
        inputs: (f) => [
          { enterpriseKey: side(f).enterprise.key, accountId: globalId("Account", side(f).account(`${f}-admin`).id), permission: "ADMINISTER_ENTERPRISE" },
          { enterpriseKey: side(own(f)).enterprise.key, accountId: globalId("Account", side(f).account(`${f}-admin`).id), permission: "ADMINISTER_ENTERPRISE" },
        ],
      },
      removeDevopsAccountsFromOrganizations: {
        inputs: (f) => [
          { enterpriseKey: side(f).enterprise.key, accountIds: [globalId("Account", side(f).account(`${f}-dop`).id)], dryRun: false },
          { enterpriseKey: side(own(f)).enterprise.key, accountIds: [globalId("Account", side(f).account(`${f}-dop`).id)], dryRun: true },
        ],
      },
      deleteMyAccount: {
        // The confirmation names the caller's own login; another's is refused without deleting anything.
        alsoAllowed: ["INVALID_INPUT"],
        inputs: (f) => [{ confirmLogin: side(f).account(`${f}-dop`).login }],
      },
      createPersonalAccessToken: { selfService: true, inputs: () => [{ name: "matrix" }] },
      createScopedOrganizationToken: {
        inputs: (f) => [{ organizationKey: side(f).organization(f === "a" ? "web" : "gweb").key, name: "matrix", allProjects: true }],
      },
      revokeToken: {
        inputs: (f) => [
          { tokenId: globalId("Token", side(f).tokenId(`${f}-dop`, "main")) },
          { tokenId: globalId("Token", t.sotId[f === "a" ? "a-web" : "b-gweb"]!) },
        ],
      },
      generateRecoveryPassword: { inputs: (f) => [{ enterpriseKey: side(f).enterprise.key }] },
      createScimToken: { inputs: (f) => [{ enterpriseKey: side(f).enterprise.key }] },
      revokeScimToken: { inputs: (f) => [{ enterpriseKey: side(f).enterprise.key }] },
      setSsoGroupMappings: {
        // R14/R15: a foreign organization named in a mapping reads like one that does not exist.
        alsoAllowed: ["INVALID_INPUT"],
        inputs: (f) => [
          { enterpriseKey: side(f).enterprise.key, mappings: [] },
          {
            enterpriseKey: side(own(f)).enterprise.key,
            mappings: [{ idpGroup: "matrix", organizationKey: side(f).organization(f === "a" ? "web" : "gweb").key, group: "Owners" }],
          },
        ],
      },
      importDirectory: {
        inputs: (f) => [{ enterpriseKey: side(f).enterprise.key, document: { version: 1, organizations: [], accounts: [] }, dryRun: false, prune: true }],
      },
      grantOrganizationPermission: {
        inputs: (f) => [
          { organizationKey: foreignOrganization(f), permission: "ADMIN", accountId: globalId("Account", side(f).account(`${f}-dop`).id) },
          { organizationKey: ownOrganization(f), permission: "ADMIN", accountId: globalId("Account", side(f).account(`${f}-dop`).id) },
          { organizationKey: foreignOrganization(f), permission: "SCAN", group: "Members" },
        ],
      },
      revokeOrganizationPermission: {
        inputs: (f) => [
          { organizationKey: foreignOrganization(f), permission: "ADMIN", accountId: globalId("Account", side(f).account(`${f}-admin`).id) },
          { organizationKey: ownOrganization(f), permission: "ADMIN", accountId: globalId("Account", side(f).account(`${f}-admin`).id) },
        ],
      },
      addOrganizationGroupMember: {
        inputs: (f) => [
          { organizationKey: foreignOrganization(f), group: "Members", accountId: globalId("Account", side(f).account(`${f}-dop`).id) },
          { organizationKey: ownOrganization(f), group: "Members", accountId: globalId("Account", side(f).account(`${f}-dop`).id) },
        ],
      },
      removeOrganizationGroupMember: {
        inputs: (f) => [
          { organizationKey: foreignOrganization(f), group: "Owners", accountId: globalId("Account", side(f).account(`${f}-admin`).id) },
          { organizationKey: ownOrganization(f), group: "Owners", accountId: globalId("Account", side(f).account(`${f}-admin`).id) },
        ],
      },
    };
    const mutation = schema.getMutationType()!;
    const unknown = Object.keys(mutation.getFields()).filter((name) => !MUTATIONS[name]);
    expect(unknown, "add these mutations to MUTATIONS").toEqual([]);

    const problems: string[] = [];
    const counted = new Set<string>();
    for (const principal of principals) {
      const visibility = world.read(principal.accountId);
      const calls = Object.entries(MUTATIONS).flatMap(([name, spec]) =>
        spec.selfService && principal.accountId !== null ? [] : spec.inputs(principal.foreign).map((input, index) => ({ name, spec, input, index })),
      );
      for (const call of calls) counted.add(`${call.name}#${call.index}`);
      const before = await databaseFingerprint(kit.prisma);
      for (const chunk of aliasChunks(calls)) {
        const variables: Record<string, unknown> = {};
        const declarations: string[] = [];
        const selections = chunk.map((call, position) => {
          const field = mutation.getFields()[call.name]!;
          const inputType = field.args.find((arg) => arg.name === "input")!.type.toString();
          variables[`i${position}`] = call.input;
          declarations.push(`$i${position}: ${inputType}`);
          return `m${position}: ${call.name}(input: $i${position}) { __typename ... on Error { code message field } }`;
        });
        const response = await run(principal, `mutation(${declarations.join(", ")}) { ${selections.join(" ")} }`, variables);
        const where = `${principal.name} / mutations`;
        checkErrors(response, visibility, where, problems);
        chunk.forEach((call, position) => {
          const payload = response.data?.[`m${position}`];
          const label = `${principal.name}: ${call.name} #${call.index}`;
          if (payload === null || payload === undefined) return; // refused before it ran: the error is checked above
          const allowed = new Set([...REFUSALS, ...(call.spec.alsoAllowed ?? [])]);
          if (payload.__typename !== "DomainError" || !allowed.has(payload.code)) {
            problems.push(`${label} answered ${payload.__typename} ${payload.code ?? ""} ${payload.message ?? ""}`);
            return;
          }
          for (const name of call.spec.provesControl ? [] : world.names.keys()) {
            if (String(payload.message).includes(name) && !visibility.mayRead(name)) problems.push(`${label}: "${payload.message}" names "${name}"`);
          }
        });
      }
      const after = await databaseFingerprint(kit.prisma);
      if (after !== before) problems.push(`${principal.name}: the refused mutations changed the database`);
    }
    cells.mutation = counted.size;
    expect(problems).toEqual([]);
  }, 300_000);
});
