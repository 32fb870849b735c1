import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

// Each workspace package declares exactly what it imports, so that it installs and runs on its own: a package used
// by a file is in the package.json of that file's package (tests/, scripts/, bench/ and prisma/ belong to the root
// package), and a declared package is used. Imports are read with the TypeScript compiler's pre-processor (static,
// dynamic and `require`), which takes a second for the whole repository.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const SOURCE = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/;

/**
 * Declared packages that no file imports but that are used all the same, each with the reason. Anything else
 * declared and never imported (nor run as a binary by a script) is reported as unused.
 */
const USED_WITHOUT_IMPORT: Record<string, Record<string, string>> = {
  ".": {
    "@pothos/plugin-prisma": "`prisma generate` runs its generator binary `prisma-pothos-types` (prisma/schema.prisma)",
    "@types/node": "Node's types, named in tsconfig.base.json",
  },
  "apps/dashboard": {
    "@graphql-typed-document-node/core": "the generated documents (git-ignored, src/gql) import its TypedDocumentNode type",
  },
  "packages/db": {
    "@prisma/client": "the generated client (git-ignored, src/generated) imports its runtime",
  },
};

interface Workspace {
  dir: string;
  name: string;
  declared: Set<string>;
  scripts: string;
}

function readWorkspace(dir: string): Workspace {
  const manifest = JSON.parse(readFileSync(path.join(ROOT, dir, "package.json"), "utf8")) as {
    name: string;
    scripts?: Record<string, string>;
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
  };
  const declared = new Set([
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.devDependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
  ]);
  return { dir, name: manifest.name, declared, scripts: Object.values(manifest.scripts ?? {}).join("\n") };
}

/** The workspace a file belongs to: the nearest folder with a package.json (the root for tests/, scripts/, …). */
function workspaceOf(file: string, workspaces: Workspace[]): Workspace {
  const owners = workspaces.filter((workspace) => workspace.dir === "." || file.startsWith(`${workspace.dir}/`));
  return owners.sort((a, b) => b.dir.length - a.dir.length)[0]!;
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`; null for relative paths and Node built-ins. */
function packageOf(specifier: string): string | null {
  if (specifier.startsWith(".") || specifier.startsWith("/") || specifier.startsWith("node:")) return null;
  const parts = specifier.split("/");
  const name = specifier.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]!;
  return builtinModules.includes(name) ? null : name;
}

function importsOf(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), "utf8");
  const specifiers = ts.preProcessFile(text, true, true).importedFiles.map((reference) => reference.fileName);
  // `require.resolve(<specifier>)` and `import.meta.resolve(<specifier>)` name a package as surely as an import does.
  for (const match of text.matchAll(/\b(?:require|import\.meta)\.resolve\(\s*["']([^"']+)["']/g)) specifiers.push(match[1]!);
  return specifiers;
}

interface InstalledManifest {
  name: string;
  bin?: string | Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/** The installed package.json of a workspace's dependency. */
function installedManifest(dependencyName: string, workspaceDir: string): InstalledManifest | null {
  const candidates = [path.join(ROOT, workspaceDir, "node_modules", dependencyName, "package.json"), path.join(ROOT, "node_modules", dependencyName, "package.json")];
  const found = candidates.find(existsSync);
  return found ? (JSON.parse(readFileSync(found, "utf8")) as InstalledManifest) : null;
}

/** The binaries a package installs (run by scripts, or by `.ci/run`). */
function binariesOf(manifest: InstalledManifest | null): string[] {
  if (!manifest?.bin) return [];
  return typeof manifest.bin === "string" ? [manifest.name.replace(/^@[^/]+\//, "")] : Object.keys(manifest.bin);
}

function analyse() {
  const workspaceDirs = execFileSync("git", ["ls-files", "--", "package.json", "packages/*/package.json", "apps/*/package.json"], { cwd: ROOT, encoding: "utf8" })
    .split("\n")
    .filter(Boolean)
    .map((file) => path.dirname(file));
  const workspaces = workspaceDirs.map(readWorkspace);
  const workspaceNames = new Set(workspaces.map((workspace) => workspace.name));
  // Tracked files and new files not yet committed, never ignored ones (generated code, node_modules).
  const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" })
    .split("\n")
    .filter((file) => SOURCE.test(file) && existsSync(path.join(ROOT, file)));

  const undeclared: string[] = [];
  const imported = new Map<string, Set<string>>(workspaces.map((workspace) => [workspace.dir, new Set<string>()]));
  for (const file of files) {
    const workspace = workspaceOf(file, workspaces);
    for (const specifier of importsOf(file)) {
      const name = packageOf(specifier);
      if (name === null || name === workspace.name) continue;
      imported.get(workspace.dir)!.add(name);
      if (!workspace.declared.has(name)) {
        const where = workspace.dir === "." ? "package.json (root)" : `${workspace.dir}/package.json`;
        undeclared.push(`${file} imports "${name}", which ${where} does not declare${workspaceNames.has(name) ? " (a workspace package: add it as workspace:*)" : ""}`);
      }
    }
  }

  const ciScript = readFileSync(path.join(ROOT, ".ci/run"), "utf8");
  const unused: string[] = [];
  for (const workspace of workspaces) {
    const uses = imported.get(workspace.dir)!;
    const scripts = workspace.dir === "." ? `${workspace.scripts}\n${ciScript}` : workspace.scripts;
    const manifests = new Map([...workspace.declared].map((name) => [name, installedManifest(name, workspace.dir)]));
    // A peer dependency of a declared package must be declared beside it (peers are not installed automatically).
    const peers = new Set([...manifests.values()].flatMap((manifest) => Object.keys(manifest?.peerDependencies ?? {})));
    for (const name of workspace.declared) {
      if (uses.has(name) || peers.has(name)) continue;
      // `@types/x` is used where `x` is.
      if (name.startsWith("@types/") && uses.has(name.slice("@types/".length).replace(/^(.+)__(.+)$/, "@$1/$2"))) continue;
      if (USED_WITHOUT_IMPORT[workspace.dir]?.[name]) continue;
      if (binariesOf(manifests.get(name) ?? null).some((binary) => new RegExp(`(^|[\\s;&|])${binary}(\\s|$)`, "m").test(scripts))) continue;
      unused.push(`${workspace.dir === "." ? "package.json (root)" : `${workspace.dir}/package.json`} declares "${name}", which none of its files imports`);
    }
  }
  return { files, undeclared, unused };
}

describe("dependency declarations", () => {
  const { files, undeclared, unused } = analyse();

  it("reads the source of every package, tests/ and scripts/ included", () => {
    for (const expected of ["apps/gateway/src/yoga.ts", "packages/db/src/index.ts", "tests/kit/gateway.ts", "scripts/prisma.mjs"]) {
      expect(files).toContain(expected);
    }
  });

  it("every imported package is declared in the package.json of the importing file's package", () => {
    expect(undeclared).toEqual([]);
  });

  it("every declared dependency is used", () => {
    expect(unused).toEqual([]);
  });
});

describe("the check itself", () => {
  it("attributes tests/ and scripts/ to the root package and a package's sources to that package", () => {
    const workspaces = [".", "apps/gateway", "packages/db"].map(readWorkspace);
    expect(workspaceOf("tests/kit/gateway.ts", workspaces).dir).toBe(".");
    expect(workspaceOf("scripts/seed.ts", workspaces).dir).toBe(".");
    expect(workspaceOf("apps/gateway/src/yoga.ts", workspaces).dir).toBe("apps/gateway");
    expect(workspaceOf("packages/db/test/database.test.ts", workspaces).dir).toBe("packages/db");
  });

  it("names the package of deep, scoped and dynamic imports, and ignores built-ins and relative paths", () => {
    expect(packageOf("@prisma/client/runtime/client")).toBe("@prisma/client");
    expect(packageOf("graphql-yoga")).toBe("graphql-yoga");
    expect(packageOf("node:fs")).toBeNull();
    expect(packageOf("crypto")).toBeNull();
    expect(packageOf("../kit/gateway")).toBeNull();
    const specifiers = ts.preProcessFile('import a from "x";\nconst b = await import("@s/y/z");\nconst c = require("w");', true, true).importedFiles;
    expect(specifiers.map((reference) => packageOf(reference.fileName))).toEqual(["x", "@s/y", "w"]);
  });
});
