#!/usr/bin/env node
// `pnpm cli <command>`: runs the compiled command-line tool (dist/, built by `pnpm install`), compiled again first
// when a source file changed since that build, as `pnpm start` does for the server.
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { buildIsStale, compile } from "./build.mjs";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
if (buildIsStale()) await compile({ quiet: true });
await import(pathToFileURL(path.join(root, "dist", "apps", "cli", "src", "main.js")).href);
