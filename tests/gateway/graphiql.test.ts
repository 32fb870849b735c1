import { createSession, SESSION_COOKIE } from "@sso-cutover/sso";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../kit/gateway";
import { buildScenario, type Scenario } from "../kit/scenario";

// A signed-in person's "Review your access" link (landing page) opens GraphiQL, which must run the pre-filled query
// as that person: it sends the session cookie with the CSRF header cookie requests need (R4, R5). Without a
// session, GraphiQL sends no cookie and prefills no header, so introspection never fails with 401.

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
  it("R4: the landing page's “Review your access” link opens GraphiQL on the access review query", async () => {
    const landing = await kit.fetch("/", { headers: { cookie } });
    const page = await landing.text();
    const href = /<a href="([^"]+)">Review your access<\/a>/.exec(page)?.[1];
    expect(href).toBeDefined();
    const url = new URL(href!.replaceAll("&amp;", "&"), kit.config.PUBLIC_URL);
    expect(url.pathname).toBe("/graphql");
    expect(url.searchParams.get("query")).toMatch(/query MyAccess \{\s+viewer \{/);
  });

  it("R4, R5: with a session, GraphiQL sends the cookie with the CSRF header, and what it sends runs as the person", async () => {
    const options = await graphiqlOptionsOf(await openGraphiQL({ cookie }));
    expect(options.credentials).toBe("same-origin");
    expect(Object.keys(options.additionalHeaders ?? {})).toContain("x-graphql-yoga-csrf");
    expect(options.defaultQuery).toMatch(/query MyAccess/);
    expect(options).not.toHaveProperty("headers");

    // What GraphiQL then sends from the page (same origin): introspection, then the pre-filled query.
    const send = (query: string) =>
      kit.fetch("/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", origin: kit.config.PUBLIC_URL, cookie, ...options.additionalHeaders },
        body: JSON.stringify({ query }),
      });
    const introspection = await send("query IntrospectionQuery { __schema { queryType { name } } }");
    expect(introspection.status).toBe(200);
    expect(await introspection.json()).toEqual({ data: { __schema: { queryType: { name: "Query" } } } });
    const review = await send(options.defaultQuery);
    const body = (await review.json()) as { data?: any; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(body.data.viewer.login).toBe(scenario.account("dana").login);
    expect(body.data.viewer.organizations.map((organization: { key: string }) => organization.key)).toEqual([scenario.organization("web").key]);
  });

  it("R5: without a session, GraphiQL sends no cookie and prefills no header; a stale cookie cannot break it", async () => {
    const variants: Record<string, string>[] = [{}, { cookie: `${SESSION_COOKIE}=ended-or-forged-session` }];
    for (const headers of variants) {
      const options = await graphiqlOptionsOf(await openGraphiQL(headers));
      expect(options.credentials).toBe("omit");
      expect(options).not.toHaveProperty("headers");
      expect(options.defaultQuery).toContain('{"Authorization": "Bearer <admin token>"}');
    }
  });
});
