import { createSession, SESSION_COOKIE } from "@sso-cutover/sso";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../kit/gateway";
import { buildScenario, type Scenario } from "../kit/scenario";

// GraphiQL is the tool of token holders: the session cookie runs only the dashboard's persisted operations
// (TRUSTED_DOCUMENTS=cookie), so GraphiQL never sends it — with or without a session — and prefills no header, so
// introspection never fails with 401 or a refusal. The caller adds `Authorization: Bearer <token>` (R5).

let kit: TestGateway;
let scenario: Scenario;
let cookie: string;

beforeAll(async () => {
  kit = await startTestGateway();
  scenario = await buildScenario(kit.prisma, {
    organizations: { web: {} },
    accounts: { dana: { kind: "SSO", memberOf: ["web"] } },
  });
  const session = await createSession(kit.prisma, scenario.account("dana").id);
  cookie = `${SESSION_COOKIE}=${session.secret}`;
});
afterAll(() => kit.close());

/** The options the page hands to GraphiQL (the JSON argument of `renderYogaGraphiQL`). */
async function graphiqlOptionsOf(response: Response): Promise<Record<string, any>> {
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/html/);
  const html = await response.text();
  const call = html.slice(html.lastIndexOf("renderYogaGraphiQL("));
  const json = call.slice(call.indexOf("{"), call.lastIndexOf("}") + 1);
  return JSON.parse(json) as Record<string, any>;
}

const openGraphiQL = (headers: Record<string, string> = {}) => kit.fetch("/graphql", { headers: { accept: "text/html", ...headers } });

describe("GraphiQL", () => {
  it("R5: with a session, a stale cookie or none, GraphiQL sends no cookie and prefills no header; its example says to add a token", async () => {
    const variants: Record<string, string>[] = [{ cookie }, {}, { cookie: `${SESSION_COOKIE}=ended-or-forged-session` }];
    for (const headers of variants) {
      const options = await graphiqlOptionsOf(await openGraphiQL(headers));
      expect(options.credentials).toBe("omit");
      expect(options).not.toHaveProperty("headers");
      expect(options).not.toHaveProperty("additionalHeaders");
      expect(options.defaultQuery).toContain('{"Authorization": "Bearer <admin token>"}');
    }
  });

  it("R5: what GraphiQL sends with a token runs as the token's owner, introspection included", async () => {
    const token = await kit.tokenFor(scenario.account("dana").id);
    const send = (query: string) => kit.graphql(query, { token, headers: { origin: kit.config.PUBLIC_URL } });
    const introspection = await send("query IntrospectionQuery { __schema { queryType { name } } }");
    expect(introspection).toMatchObject({ status: 200, data: { __schema: { queryType: { name: "Query" } } } });
    const viewer = await send("{ viewer { login organizations { key } } }");
    expect(viewer.errors).toBeUndefined();
    expect(viewer.data?.viewer).toEqual({ login: scenario.account("dana").login, organizations: [{ key: scenario.organization("web").key }] });
  });
});
