// Run by `pnpm install` (after the build): prepares the embedded database's migrated template now, so that the
// first start on an empty data directory does not wait for PGlite's initdb and the migrations.
import path from "node:path";
import { ensureEmbeddedTemplate } from "./embedded";

const started = performance.now();
const template = await ensureEmbeddedTemplate();
console.log(`embedded database template: ${path.relative(process.cwd(), template)} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
