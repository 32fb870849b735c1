/**
 * Fuzzing the API (bad input → a clear client error, never a fault): seeded, reproducible GraphQL documents
 * generated from the schema — random selections, edge-value arguments (huge, empty, unicode, NUL, unpaired
 * surrogates, negative and out-of-range numbers, malformed and wrong-type ids and cursors, wrong enums), literal or
 * in variables — sent as an anonymous caller, a member and an admin; then malformed HTTP requests. No answer may be a
 * 5xx, carry an unmasked error (stack, database or driver text) or "Unexpected error.".
 *
 * Reproduce a run with `FUZZ_SEED=<seed printed below> npx vitest run tests/security/fuzz.test.ts`;
 * `FUZZ_DOCUMENTS` changes the number of documents (default 2,000).
 */
import { connect } from "node:net";
import {
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isUnionType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLOutputType,
} from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../apps/gateway/src/schema/index";
import { seedDemo } from "../../prisma/seed/demo";
import { startTestGateway, type TestGateway } from "../kit/gateway";

const SEED = Number(process.env.FUZZ_SEED ?? 20261129) >>> 0;
const DOCUMENTS = Number(process.env.FUZZ_DOCUMENTS ?? 2000);

/** mulberry32: a small seeded generator, so that one seed always yields the same documents. */
function generator(seed: number) {
  let state = seed;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (max: number) => Math.floor(next() * max),
    chance: (p: number) => next() < p,
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
  };
}
type Random = ReturnType<typeof generator>;

const base64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

let kit: TestGateway;
const principals: Record<"anonymous" | "member" | "admin", string | null> = { anonymous: null, member: null, admin: null };
/** Real ids of every kind, so that generated arguments also reach the resolvers' deeper paths. */
let realIds: string[] = [];
const REAL_KEYS = ["acme", "acme-web", "acme-mobile", "acme-data", "globex", "initech"];

beforeAll(async () => {
  kit = await startTestGateway();
  await seedDemo(kit.prisma);
  const alice = await kit.prisma.account.findUniqueOrThrow({ where: { login: "alice" } });
  const bob = await kit.prisma.account.findUniqueOrThrow({ where: { login: "bob" } });
  principals.admin = await kit.tokenFor(alice.id);
  principals.member = await kit.tokenFor(bob.id);
  const [accounts, organizations, enterprises, tokens] = await Promise.all([
    kit.prisma.account.findMany({ take: 6 }),
    kit.prisma.organization.findMany({ take: 3 }),
    kit.prisma.enterprise.findMany({ take: 2 }),
    kit.prisma.token.findMany({ take: 3 }),
  ]);
  realIds = [
    ...accounts.map((a) => base64(`Account:${a.id}`)),
    ...organizations.map((o) => base64(`Organization:${o.id}`)),
    ...enterprises.map((e) => base64(`Enterprise:${e.id}`)),
    ...tokens.map((t) => base64(`Token:${t.id}`)),
  ];
}, 60_000);
afterAll(() => kit.close());

// ------------------------------------------------------------------------------------------ edge values

function edgeString(random: Random): string {
  return random.pick([
    "",
    " ",
    "acme",
    random.pick(REAL_KEYS),
    "x".repeat(10_000),
    "日本語 🙂 Ünïcödé",
    "\u202Eevil\u202C",
    "a\u0000b",
    "\u0000",
    "\uD800",
    "x\uDC00y",
    "🙂".slice(0, 1),
    "' OR 1=1 --",
    "%_%",
    "\\",
    "null",
    "line\nbreak\ttab",
    "<script>alert(1)</script>",
    "a@b.example",
    "ALICE@ACME.EXAMPLE",
    "not an email",
    "https://idp.example.com/sso",
    "javascript:alert(1)",
    "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
    "2026-11-29T00:00:00Z",
  ]);
}

function edgeId(random: Random): string {
  return random.pick([
    ...(realIds.length ? [random.pick(realIds), random.pick(realIds)] : []),
    "",
    "abc",
    "!!!",
    "=",
    base64("Account:"),
    base64("Account:a\u0000b"),
    base64("Account:\uD800"),
    base64(`Account:${"x".repeat(500)}`),
    base64("Foo:1"),
    base64("Invitation:nonexistent"),
    base64("AuditEvent:1"),
    base64("Token:1"),
    base64("Account:clnotarealid000000000000"),
    base64(":x"),
    "QWNjb3VudDo=\u0000",
    "x".repeat(5_000),
    edgeString(random),
  ]);
}

function edgeCursor(random: Random): string {
  return random.pick(["", "zzz", "!!!", base64("GPC:S:alice"), base64("GPC:S:a\u0000"), base64("GPC:J:{bad"), base64("\uD800"), "alice", base64("arrayconnection:-1"), edgeString(random)]);
}

function edgeInt(random: Random): number {
  return random.pick([0, 1, -1, 20, 100, 101, 1000, 2_147_483_647, -2_147_483_648, 30, 31]);
}

/** A value for an input type; sometimes deliberately of the wrong shape. */
function edgeValue(random: Random, type: GraphQLInputType, name: string, depth = 0): unknown {
  if (!isNonNullType(type) && random.chance(0.08)) return null;
  const nullable = getNullableType(type) as GraphQLInputType;
  if (isListType(nullable)) {
    const length = random.pick([0, 1, 2, 3, 5, 101, 1001]);
    const item = () => edgeValue(random, nullable.ofType, name, depth + 1);
    return length > 100 ? Array.from({ length }, () => (name.toLowerCase().includes("id") ? random.pick(realIds.length ? realIds : ["x"]) : `p${random.int(1e6)}@x.example`)) : Array.from({ length }, item);
  }
  if (isInputObjectType(nullable)) {
    const result: Record<string, unknown> = {};
    for (const [fieldName, field] of Object.entries(nullable.getFields())) {
      if (isNonNullType(field.type) ? random.chance(0.97) : random.chance(0.6)) {
        result[fieldName] = depth > 3 ? null : edgeValue(random, field.type, fieldName, depth + 1);
      }
    }
    return result;
  }
  if (isEnumType(nullable)) {
    return random.chance(0.9) ? random.pick(nullable.getValues()).value : "NOT_A_VALUE";
  }
  if (random.chance(0.03)) return random.pick([{}, [], 1.5, true, "wrong"]); // the wrong shape: refused at coercion
  switch (nullable.name) {
    case "ID":
      return edgeId(random);
    case "Int":
      return edgeInt(random);
    case "Boolean":
      return random.chance(0.5);
    case "DateTime":
      return random.pick(["2030-01-01T00:00:00Z", "2000-01-01T00:00:00Z", "not a date", "2026-13-45T99:00:00Z", "+275760-09-13T00:00:00.000Z", ""]);
    case "JSON":
      return random.pick([{}, { a: "\u0000" }, [1, 2], "x"]);
    default:
      return name === "after" || name === "before" ? edgeCursor(random) : edgeString(random);
  }
}

/** GraphQL literal text for a value (variables carry the rest). */
function literal(value: unknown, type: GraphQLInputType): string {
  if (value === null || value === undefined) return "null";
  const nullable = getNullableType(type) as GraphQLInputType;
  if (isEnumType(nullable) && typeof value === "string" && /^[A-Z_]+$/.test(value)) return value;
  if (Array.isArray(value)) return `[${value.map((item) => literal(item, isListType(nullable) ? nullable.ofType : nullable)).join(", ")}]`;
  if (typeof value === "object") {
    const fields = isInputObjectType(nullable) ? nullable.getFields() : {};
    return `{${Object.entries(value)
      .map(([key, item]) => `${/^[_A-Za-z]\w*$/.test(key) ? key : "bad"}: ${literal(item, fields[key]?.type ?? nullable)}`)
      .join(", ")}}`;
  }
  return JSON.stringify(value);
}

function typeText(type: GraphQLInputType): string {
  return type.toString();
}

// --------------------------------------------------------------------------------------------- documents

interface Generated {
  query: string;
  variables: Record<string, unknown>;
}

function generateDocument(random: Random): Generated {
  const variableDefinitions: string[] = [];
  const variables: Record<string, unknown> = {};

  const argumentsText = (field: GraphQLField<unknown, unknown>): string => {
    const parts: string[] = [];
    for (const argument of field.args) {
      const required = isNonNullType(argument.type);
      if (!required && !random.chance(0.5)) continue;
      if (required && random.chance(0.02)) continue; // a missing required argument: refused by validation
      const value = edgeValue(random, argument.type, argument.name);
      if (random.chance(0.5)) {
        const name = `v${variableDefinitions.length}`;
        variableDefinitions.push(`$${name}: ${typeText(argument.type)}`);
        variables[name] = value;
        parts.push(`${argument.name}: $${name}`);
      } else {
        parts.push(`${argument.name}: ${literal(value, argument.type)}`);
      }
    }
    return parts.length ? `(${parts.join(", ")})` : "";
  };

  const selection = (type: GraphQLNamedType, depth: number): string => {
    if (isObjectType(type) || isInterfaceType(type)) {
      const fields = Object.values((type as GraphQLObjectType).getFields());
      const chosen = fields.filter(() => random.chance(depth <= 1 ? 0.4 : 0.25));
      if (chosen.length === 0) chosen.push(random.pick(fields));
      const parts = chosen.map((field) => fieldText(field, depth + 1));
      if (isInterfaceType(type) || random.chance(0.2)) parts.push("__typename");
      if (isInterfaceType(type)) {
        for (const possible of schema.getPossibleTypes(type)) if (random.chance(0.4)) parts.push(`... on ${possible.name} ${selection(possible, depth + 1)}`);
      }
      return `{ ${parts.join(" ")} }`;
    }
    if (isUnionType(type)) {
      const parts = ["__typename"];
      for (const member of type.getTypes()) parts.push(`... on ${member.name} ${selection(member, depth + 1)}`);
      return `{ ${parts.join(" ")} }`;
    }
    return "";
  };

  const fieldText = (field: GraphQLField<unknown, unknown>, depth: number): string => {
    const named = getNamedType(field.type as GraphQLOutputType);
    const leaf = isScalarType(named) || isEnumType(named);
    if (!leaf && depth > 3) return "__typename";
    const alias = random.chance(0.05) ? `a${random.int(100)}: ` : "";
    return `${alias}${field.name}${argumentsText(field)}${leaf ? "" : ` ${selection(named, depth)}`}`;
  };

  const operation = random.chance(0.25) ? "mutation" : "query";
  const root = (operation === "mutation" ? schema.getMutationType() : schema.getQueryType())!;
  const rootFields = Object.values(root.getFields());
  const chosen = Array.from({ length: 1 + random.int(operation === "mutation" ? 1 : 2) }, () => random.pick(rootFields));
  const body = chosen.map((field, index) => `f${index}: ${fieldText(field, 1)}`).join(" ");
  const header = variableDefinitions.length ? `${operation} Fuzz(${variableDefinitions.join(", ")})` : `${operation} Fuzz`;
  return { query: `${header} { ${body} }`, variables };
}

// ------------------------------------------------------------------------------------------------ checks

/** Text that only a fault would put in an answer: stack frames, database, driver or ORM messages. */
const LEAKS = [
  /\n\s+at .+:\d+:\d+/,
  /\bat (async )?[\w.<>]+ \(/,
  /prisma/i,
  /invocation/i,
  /DriverAdapter/,
  /PGlite/i,
  /pg-pool/,
  /invalid byte sequence/i,
  /\bSELECT\b|\bINSERT INTO\b/,
  /node_modules/,
  /TypeError|ReferenceError|RangeError/,
  /Cannot read propert/,
  /has not been implemented/,
  /Connection terminated/,
];

interface Tally {
  requests: number;
  statuses: Map<number, number>;
  codes: Map<string, number>;
  failures: string[];
}

const tally = (): Tally => ({ requests: 0, statuses: new Map(), codes: new Map(), failures: [] });
const bump = <K>(map: Map<K, number>, key: K) => map.set(key, (map.get(key) ?? 0) + 1);

function check(result: Tally, label: string, status: number, text: string): void {
  result.requests += 1;
  bump(result.statuses, status);
  const problems: string[] = [];
  if (status >= 500) problems.push(`status ${status}`);
  if (text.includes("Unexpected error.")) problems.push('"Unexpected error."');
  for (const leak of LEAKS) if (leak.test(text)) problems.push(`leak ${leak}`);
  if (text.includes('"originalError"') || text.includes('"stack"')) problems.push("error internals");
  try {
    const body = JSON.parse(text) as { errors?: { extensions?: { code?: string } }[] };
    for (const error of body.errors ?? []) bump(result.codes, error.extensions?.code ?? "(graphql)");
  } catch {
    // Non-JSON answers (pages, metrics, empty bodies) are checked by status and text only.
  }
  if (problems.length > 0 && result.failures.length < 20) result.failures.push(`${label}\n    ${problems.join(", ")} → ${text.slice(0, 600)}`);
}

function report(title: string, result: Tally, extra: Record<string, number> = {}): void {
  const statuses = [...result.statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(" ");
  const codes = [...result.codes].sort(([, a], [, b]) => b - a).map(([c, n]) => `${c}×${n}`).join(" ");
  console.log(
    `${title} (FUZZ_SEED=${SEED}): ${Object.entries(extra).map(([k, v]) => `${k} ${v}, `).join("")}requests ${result.requests}; ` +
      `statuses ${statuses}; error codes ${codes || "none"}; failures ${result.failures.length}`,
  );
}

// ------------------------------------------------------------------------------------------------- tests

describe(`fuzz (FUZZ_SEED=${SEED})`, () => {
  it(`R15/bad input: ${DOCUMENTS} generated documents as anonymous, member and admin: no 5xx, no unmasked or unexpected error`, async () => {
    const random = generator(SEED);
    const result = tally();
    const started = performance.now();
    const documents = Array.from({ length: DOCUMENTS }, () => ({ ...generateDocument(random), as: random.pick(["anonymous", "member", "admin"] as const) }));
    let next = 0;
    // A few in flight at once, as clients would send them.
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < documents.length) {
          const index = next++;
          const document = documents[index]!;
          const headers: Record<string, string> = { "content-type": "application/json" };
          const token = principals[document.as];
          if (token) headers.authorization = `Bearer ${token}`;
          const response = await kit.fetch("/graphql", {
            method: "POST",
            headers,
            body: JSON.stringify({ query: document.query, variables: document.variables }),
          });
          check(result, `document #${index} as ${document.as}: ${document.query}\n    variables ${JSON.stringify(document.variables).slice(0, 2_000)}`, response.status, await response.text());
        }
      }),
    );
    report("fuzz documents", result, { documents: documents.length, seconds: Math.round((performance.now() - started) / 1000) });
    expect(result.failures).toEqual([]);
  }, 600_000);

  it("bad input: malformed HTTP requests get a 4xx, never a fault", async () => {
    const result = tally();
    const json = { "content-type": "application/json" };
    const admin = { authorization: `Bearer ${principals.admin}` };
    const cases: [string, string, RequestInit][] = [
      ["bad JSON", "/graphql", { method: "POST", headers: json, body: '{"query"' }],
      ["JSON array", "/graphql", { method: "POST", headers: json, body: "[]" }],
      ["JSON null", "/graphql", { method: "POST", headers: json, body: "null" }],
      ["JSON string", "/graphql", { method: "POST", headers: json, body: '"{ __typename }"' }],
      ["query number", "/graphql", { method: "POST", headers: json, body: '{"query": 1}' }],
      ["variables string", "/graphql", { method: "POST", headers: json, body: '{"query": "{ __typename }", "variables": "x"}' }],
      ["variables array", "/graphql", { method: "POST", headers: json, body: '{"query": "{ __typename }", "variables": [1]}' }],
      ["extensions string", "/graphql", { method: "POST", headers: json, body: '{"query": "{ __typename }", "extensions": "x"}' }],
      ["operationName number", "/graphql", { method: "POST", headers: json, body: '{"query": "{ __typename }", "operationName": 5}' }],
      ["empty body", "/graphql", { method: "POST", headers: json, body: "" }],
      ["no body", "/graphql", { method: "POST", headers: json }],
      ["no content type", "/graphql", { method: "POST", body: '{"query": "{ __typename }"}' }],
      ["text/plain", "/graphql", { method: "POST", headers: { "content-type": "text/plain" }, body: "{ __typename }" }],
      ["xml", "/graphql", { method: "POST", headers: { "content-type": "application/xml" }, body: "<q/>" }],
      ["multipart", "/graphql", { method: "POST", headers: { "content-type": "multipart/form-data; boundary=x" }, body: "--x\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{bad\r\n--x--" }],
      ["form bad variables", "/graphql", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "query=%7B__typename%7D&variables=%7Bbad" }],
      ["graphql content type", "/graphql", { method: "POST", headers: { "content-type": "application/graphql" }, body: "{ __typename }" }],
      ["PUT", "/graphql", { method: "PUT", headers: json, body: '{"query": "{ __typename }"}' }],
      ["DELETE", "/graphql", { method: "DELETE" }],
      ["PATCH", "/graphql", { method: "PATCH", headers: json, body: "{}" }],
      ["OPTIONS", "/graphql", { method: "OPTIONS" }],
      ["HEAD", "/graphql", { method: "HEAD" }],
      ["GET mutation", `/graphql?query=${encodeURIComponent('mutation { revokeToken(input: { tokenId: "x" }) { __typename } }')}`, { headers: admin }],
      ["GET bad variables", "/graphql?query={__typename}&variables={bad", {}],
      ["GET variables array", "/graphql?query={__typename}&variables=[1]", {}],
      ["GET bad extensions", "/graphql?query={__typename}&extensions={bad", {}],
      ["GET bad percent-encoding", "/graphql?query=%zz%7B", {}],
      ["GET no query", "/graphql?variables={}", { headers: { accept: "application/json" } }],
      ["GET empty query", "/graphql?query=", { headers: { accept: "application/json" } }],
      ["GET syntax error", "/graphql?query={", {}],
      ["GET NUL", `/graphql?query=${encodeURIComponent('{ enterprise(key: "a\u0000") { key } }')}`, { headers: admin }],
      ["GET surrogate variable", `/graphql?query=${encodeURIComponent("query Q($k: String!) { enterprise(key: $k) { key } }")}&variables=${encodeURIComponent('{"k":"\\ud800"}')}`, { headers: admin }],
      ["GET huge query", `/graphql?query=${"{".repeat(20_000)}`, {}],
      ["GET deep query", `/graphql?query=${encodeURIComponent(`{ viewer { ${"organizations { enterprise { organizations { ".repeat(8)} key ${"} } } ".repeat(8)} } }`)}`, { headers: admin }],
      ["huge header", "/graphql", { method: "POST", headers: { ...json, "x-filler": "x".repeat(100_000) }, body: '{"query": "{ __typename }"}' }],
      ["bad bearer", "/graphql", { method: "POST", headers: { ...json, authorization: "Bearer \u00ff\u00fe" }, body: '{"query": "{ viewer { id } }"}' }],
      ["bearer only", "/graphql", { method: "POST", headers: { ...json, authorization: "Bearer" }, body: '{"query": "{ viewer { id } }"}' }],
      ["basic auth", "/graphql", { method: "POST", headers: { ...json, authorization: "Basic YTpi" }, body: '{"query": "{ viewer { id } }"}' }],
      ["huge token", "/graphql", { method: "POST", headers: { ...json, authorization: `Bearer sqp_${"a".repeat(10_000)}` }, body: '{"query": "{ viewer { id } }"}' }],
      ["bad cookie", "/graphql", { method: "POST", headers: { ...json, cookie: "session=%zz; =; ;;" }, body: '{"query": "{ viewer { id } }"}' }],
      ["declared length too large", "/graphql", { method: "POST", headers: { ...json, "content-length": "99999999999" }, body: "{}" }],
      ["login NUL key", "/login/sso?enterprise_key=a%00b", {}],
      ["login surrogate key", "/login/sso?enterprise_key=%ED%A0%80", {}],
      ["login no key", "/login/sso", {}],
      ["login huge key", `/login/sso?enterprise_key=${"k".repeat(10_000)}`, {}],
      ["acs NUL", "/saml/acs/a%00b", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "SAMLResponse=%00" }],
      ["acs garbage", "/saml/acs/acme", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "SAMLResponse=!!!&RelayState=%00" }],
      ["acs json", "/saml/acs/acme", { method: "POST", headers: json, body: "{}" }],
      ["acs GET", "/saml/acs/acme", {}],
      ["metadata NUL", "/saml/metadata/a%00b", {}],
      ["metadata bad encoding", "/saml/metadata/%ff%fe", {}],
      ["health POST", "/health", { method: "POST" }],
      ["ready", "/ready", {}],
      ["unknown path", "/nope/%00", {}],
      ["path traversal", "/graphql/../../etc/passwd", {}],
    ];
    for (const [label, path, init] of cases) {
      let response: Response;
      try {
        response = await kit.fetch(path, init);
      } catch (error) {
        // The fetch API itself refuses some malformed requests before they reach the server (e.g. a body on GET).
        result.requests += 1;
        bump(result.statuses, 0);
        console.log(`malformed request "${label}" refused by the client: ${(error as Error).message}`);
        continue;
      }
      check(result, `HTTP ${label}`, response.status, await response.text());
      if (label === "GET bad variables" || label === "GET bad extensions") expect(response.status, label).toBe(400);
      if (label === "GET mutation") expect(response.status, label).toBe(405);
    }

    // What no fetch client can send: raw bytes on a socket.
    const baseUrl = new URL(await kit.listen());
    const raw = [
      "GARBAGE\r\n\r\n",
      "GET /graphql?query={__typename} HTTP/1.1\r\nHost: x\r\nX-Big: " + "x".repeat(70_000) + "\r\n\r\n",
      "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{\"query\"",
      "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "GET /graphql?query=%00 HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
    ];
    for (const [index, bytes] of raw.entries()) {
      const answer = await new Promise<string>((resolve) => {
        const socket = connect(Number(baseUrl.port), baseUrl.hostname);
        let received = "";
        socket.setTimeout(2_000, () => socket.destroy());
        socket.on("data", (chunk) => {
          received += chunk.toString("latin1");
          if (received.includes("\r\n\r\n")) socket.end();
        });
        socket.on("close", () => resolve(received));
        socket.on("error", () => resolve(received));
        socket.write(bytes);
        // A body shorter than its declared length: the server must not wait forever, nor fail.
        setTimeout(() => socket.end(), 500);
      });
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
      check(result, `raw request #${index}`, status, answer.split("\r\n\r\n").slice(1).join(""));
    }
    report("fuzz HTTP", result);
    expect(result.failures).toEqual([]);
  }, 60_000);
});
