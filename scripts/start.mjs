#!/usr/bin/env node
// `pnpm start`: runs the compiled server (dist/, built by `pnpm install`). When a source file changed since that
// build, it is compiled again first (about a second), and so is the dashboard (apps/dashboard, a few seconds), so the
// server never runs stale code.
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { buildDashboardIfStale, buildIsStale, compile } from "./build.mjs";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
if (buildIsStale()) await compile();
await buildDashboardIfStale();
// A server, not a development tool: graphql-js then leaves out its development-only checks (every `isObjectType`
// and the like that answers false looked for a second copy of graphql: about 2% of the CPU of a large query).
// An explicit NODE_ENV is kept.
process.env.NODE_ENV ??= "production";
await import(pathToFileURL(path.join(root, "dist", "apps", "gateway", "src", "main.js")).href);
