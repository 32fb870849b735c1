#!/usr/bin/env node
// `pnpm build` (run by `pnpm install`): compiles the TypeScript of every app and package to JavaScript in `dist/`,
// so that `pnpm start` (and any other program under apps/*/src or packages/*/src) runs on plain Node: no
// TypeScript compiler in the server process, and no loading of hundreds of separate source files at start.
// Every source file that no other source file imports (`main.ts`, a command's entry) is an entry point, compiled
// to dist/<same path>.js; code they share is split into chunks, so each module exists once per process.
// Dependencies from node_modules stay outside the bundle and load as Node loads them: `dist/node_modules` links
// each workspace package's dependencies (pnpm keeps them in that package's own node_modules, which the compiled
// files in dist/ would not see otherwise).
// The dashboard (apps/dashboard) is a browser app with its own build (GraphQL Code Generator, then Vite, into
// apps/dashboard/dist, served by the gateway at /): it is built here too, when it changed since its last build.
import { existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const outdir = path.join(root, "dist");
/** Written last by a complete build; its time is the build's. */
const stamp = path.join(outdir, ".build-complete");

/** Every file below `folder`, recursively, except what `skip` (a folder name) excludes. */
function filesBelow(folder, skip = () => false) {
  let entries;
  try {
    entries = readdirSync(folder);
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const full = path.join(folder, entry);
    if (!statSync(full).isDirectory()) return [full];
    return entry === "node_modules" || skip(entry) ? [] : filesBelow(full, skip);
  });
}

/** Browser apps, built by their own script rather than compiled for Node. */
const BROWSER_APPS = [path.join(root, "apps", "dashboard")];

function workspacePackages() {
  return ["apps", "packages"].flatMap((group) =>
    readdirSync(path.join(root, group))
      .map((name) => path.join(root, group, name))
      .filter((folder) => existsSync(path.join(folder, "package.json")) && !BROWSER_APPS.includes(folder)),
  );
}

const dashboardBuild = () => import(pathToFileURL(path.join(root, "apps", "dashboard", "scripts", "build.mjs")).href);

/** True when the dashboard was never built or changed since. */
export async function dashboardIsStale() {
  return (await dashboardBuild()).dashboardIsStale();
}

/** Builds the dashboard (apps/dashboard/dist) when it is stale. */
export async function buildDashboardIfStale({ quiet = false } = {}) {
  const dashboard = await dashboardBuild();
  if (dashboard.dashboardIsStale()) await dashboard.buildDashboard({ quiet });
}

/** What the build reads: every package's sources and manifest, the demo seed, and this script. */
function buildInputs() {
  return [
    ...workspacePackages().flatMap((folder) => [path.join(folder, "package.json"), ...filesBelow(path.join(folder, "src"))]),
    ...filesBelow(path.join(root, "prisma", "seed")),
    fileURLToPath(import.meta.url),
  ];
}

/** True when there is no complete build, or a source changed after it. */
export function buildIsStale() {
  if (!existsSync(stamp)) return true;
  const built = statSync(stamp).mtimeMs;
  return buildInputs().some((file) => statSync(file).mtimeMs > built);
}

/** Links every dependency of every workspace package into dist/node_modules (relative links: the checkout may move). */
function linkDependencies() {
  const linked = new Map();
  for (const folder of workspacePackages()) {
    const manifest = JSON.parse(readFileSync(path.join(folder, "package.json"), "utf8"));
    for (const name of Object.keys(manifest.dependencies ?? {})) {
      if (name.startsWith("@sso-cutover/")) continue;
      const installed = path.join(folder, "node_modules", name);
      if (!existsSync(installed)) throw new Error(`${name}, a dependency of ${path.relative(root, folder)}, is not installed: run pnpm install.`);
      const target = realpathSync(installed);
      const previous = linked.get(name);
      if (previous === target) continue;
      if (previous) throw new Error(`${name} is installed in two versions (${previous}, ${target}): the compiled build can load only one.`);
      linked.set(name, target);
      const link = path.join(outdir, "node_modules", name);
      mkdirSync(path.dirname(link), { recursive: true });
      symlinkSync(path.relative(path.dirname(link), target), link, "dir");
    }
  }
  return linked.size;
}

/** Workspace packages are TypeScript and compiled in; everything else is a dependency Node loads itself. */
const externalDependencies = {
  name: "external-dependencies",
  setup(builder) {
    builder.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith("@sso-cutover/") ? undefined : { path: args.path, external: true }));
  },
};

/** Compiles everything into dist/ (replacing it); returns the entry points. */
export async function compile({ quiet = false } = {}) {
  const { build } = await import("esbuild");
  const started = performance.now();
  const sources = workspacePackages().flatMap((folder) =>
    filesBelow(path.join(folder, "src"), (name) => name === "generated").filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts")),
  );
  const common = {
    absWorkingDir: root,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    splitting: true,
    logLevel: "warning",
    plugins: [externalDependencies],
  };
  // The programs are the sources no other source imports. (Making every file an entry point would put each in its
  // own chunk, and esbuild does not keep the evaluation order of side-effect imports across chunks: the schema's
  // type files register themselves with the builder in import order.)
  const { metafile } = await build({ ...common, entryPoints: sources, outdir, write: false, metafile: true });
  const imported = new Set(
    Object.values(metafile.inputs).flatMap((input) => input.imports.filter((edge) => !edge.external).map((edge) => edge.path)),
  );
  const programs = sources.filter((file) => !imported.has(path.relative(root, file).split(path.sep).join("/")));
  rmSync(outdir, { recursive: true, force: true });
  await build({
    ...common,
    entryPoints: programs,
    outdir,
    outbase: root,
    sourcemap: "linked",
    chunkNames: "chunks/[name]-[hash]",
    // Error classes are reported by name.
    keepNames: true,
  });
  const dependencies = linkDependencies();
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
  if (!quiet) {
    console.log(
      `compiled ${sources.length} source files to dist/ in ${((performance.now() - started) / 1000).toFixed(1)} s ` +
        `(programs: ${programs.map((file) => path.relative(root, file)).join(", ")}; ${dependencies} dependencies linked)`,
    );
  }
  return programs;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await compile();
  await buildDashboardIfStale();
}
