import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ensureEmbeddedTemplate, ensurePostgresTemplate } from "@sso-cutover/db/testing";

interface Build {
  buildIsStale(): boolean;
  compile(options?: { quiet?: boolean }): Promise<unknown>;
}

/**
 * Before the test files run: the process tests start the compiled server and CLI (dist/, as `pnpm start` and
 * `pnpm cli` do), so a source changed since the last build is compiled again; and the template database is migrated
 * once, for the test files to clone.
 */
export default async function setup(): Promise<void> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
  const build = (await import(pathToFileURL(path.join(root, "scripts", "build.mjs")).href)) as Build;
  if (build.buildIsStale()) await build.compile({ quiet: true });
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (serverUrl) await ensurePostgresTemplate(serverUrl);
  else await ensureEmbeddedTemplate();
}
