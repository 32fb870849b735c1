#!/usr/bin/env node
// The dashboard's build, run by the root build (`pnpm install`, `pnpm build`, and `pnpm start` when stale):
//   node apps/dashboard/scripts/build.mjs            GraphQL documents → types and persisted documents, then Vite's build
//   node apps/dashboard/scripts/build.mjs typecheck  the same generation, then the TypeScript check (part of `pnpm test`)
//   node apps/dashboard/scripts/build.mjs dev        the generation, then Vite's dev server proxying to the gateway (`pnpm dev`)
// Generation validates every document against apps/gateway/schema.graphql: a document that no longer matches the
// contract fails both. The output: dist/public (what the gateway serves at /) and dist/persisted-documents.json (the
// operations the gateway runs for the session cookie). Every text asset is also written precompressed next to itself
// (`.br`, `.gz`), which the gateway sends to browsers that accept it: compressing once here, at the highest levels,
// costs the server no CPU per request.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const app = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);
const dist = path.join(app, "dist");
const stamp = path.join(dist, ".build-complete");

function filesBelow(folder) {
  if (!existsSync(folder)) return [];
  return readdirSync(folder).flatMap((entry) => {
    const full = path.join(folder, entry);
    if (statSync(full).isDirectory()) return entry === "gql" || entry === "node_modules" ? [] : filesBelow(full);
    return [full];
  });
}

/** What the build reads: the sources, its configuration, the contract and this script. */
function inputs() {
  return [
    ...filesBelow(path.join(app, "src")),
    ...["index.html", "vite.config.ts", "codegen.ts", "package.json", "tsconfig.json"].map((file) => path.join(app, file)),
    path.join(app, "..", "gateway", "schema.graphql"),
    fileURLToPath(import.meta.url),
  ];
}

/** True when there is no complete build, or an input changed after it. */
export function dashboardIsStale() {
  if (!existsSync(stamp)) return true;
  const built = statSync(stamp).mtimeMs;
  return inputs().some((file) => statSync(file).mtimeMs > built);
}

function run(script, args) {
  const result = spawnSync(process.execPath, [script, ...args], { cwd: app, stdio: "inherit" });
  if (result.status !== 0) throw new Error(`${path.basename(script)} ${args.join(" ")} failed (exit ${result.status})`);
}

/** GraphQL Code Generator (client preset): typed documents and the persisted-documents manifest in src/gql. */
export function generateDocuments() {
  run(path.join(path.dirname(require.resolve("@graphql-codegen/cli/package.json")), "esm", "bin.js"), ["--config", "codegen.ts"]);
}

export function typecheck() {
  generateDocuments();
  run(require.resolve("typescript/bin/tsc"), ["-p", "tsconfig.json", "--noEmit"]);
}

/** The assets worth compressing: text, at least 1 KiB (smaller ones gain less than a packet). */
const COMPRESSIBLE = /\.(js|css|svg|json|html)$/;
const MIN_COMPRESSED_BYTES = 1024;

/**
 * Writes `<file>.br` (brotli, quality 11) and `<file>.gz` (gzip, level 9) next to each compressible asset of
 * dist/public/assets, each only when smaller than the file itself. index.html is not: it is a few hundred bytes.
 */
export function precompressAssets(folder = path.join(dist, "public", "assets")) {
  for (const file of filesBelow(folder)) {
    if (!COMPRESSIBLE.test(file)) continue;
    const bytes = readFileSync(file);
    if (bytes.length < MIN_COMPRESSED_BYTES) continue;
    const variants = [
      [".br", brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } })],
      [".gz", gzipSync(bytes, { level: 9 })],
    ];
    for (const [suffix, compressed] of variants) {
      if (compressed.length < bytes.length) writeFileSync(`${file}${suffix}`, compressed);
    }
  }
}

export async function buildDashboard({ quiet = false } = {}) {
  const started = performance.now();
  generateDocuments();
  const { build } = await import("vite");
  await build({ root: app, logLevel: quiet ? "warn" : "info", configFile: path.join(app, "vite.config.ts") });
  precompressAssets();
  copyFileSync(path.join(app, "src", "gql", "persisted-documents.json"), path.join(dist, "persisted-documents.json"));
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
  if (!quiet) console.log(`built the dashboard to apps/dashboard/dist in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === "typecheck") typecheck();
  else if (process.argv[2] === "dev") {
    generateDocuments();
    const { createServer } = await import("vite");
    const server = await createServer({ root: app, configFile: path.join(app, "vite.config.ts") });
    await server.listen();
    server.printUrls();
    console.log(`  the API and sign-in routes go to the gateway at ${process.env.GATEWAY_URL ?? "http://localhost:4000"} (GATEWAY_URL; start it with pnpm start)`);
  } else await buildDashboard();
}
