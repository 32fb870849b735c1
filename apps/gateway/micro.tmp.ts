import { createTestDatabase } from "@sso-cutover/db/testing";
import { createSchema, createYoga } from "graphql-yoga";
import { loadConfig } from "./src/config";
import { createLogger } from "./src/logger";
import { createGateway } from "./src/yoga";

const db = await createTestDatabase();
const config = loadConfig({ RATE_LIMIT_PER_MINUTE: "1000000000", AUTH_FAILURES_PER_MINUTE: "1000000000", LOG_LEVEL: "warn" } as NodeJS.ProcessEnv);
const gateway = createGateway({ prisma: db.prisma, config, log: createLogger("warn") });
const bare = createYoga({ schema: createSchema({ typeDefs: "type Query { hello: String }" }), logging: false, landingPage: false });
const body = JSON.stringify({ query: "{ __typename }" });
const serverContext = { req: { socket: { remoteAddress: "127.0.0.1" } } };
async function run(handler: { fetch: (url: string, init: RequestInit, ctx?: unknown) => Promise<Response> | Response }, n: number) {
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const r = await handler.fetch("http://localhost:4000/graphql", { method: "POST", headers: { "content-type": "application/json", accept: "application/graphql-response+json" }, body }, serverContext);
    await r.text();
    if (r.status !== 200) throw new Error(String(r.status));
  }
  const c = process.cpuUsage(cpu0);
  return (c.user + c.system) / n;
}
for (let round = 0; round < 3; round++) {
  const b = await run(bare, 3000);
  const g = await run(gateway, 3000);
  console.log(`bare ${b.toFixed(0)} µs  gateway ${g.toFixed(0)} µs  overhead ${((g / b - 1) * 100).toFixed(0)} %`);
}
await db.close();
