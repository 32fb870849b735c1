import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import path from "node:path";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

const require = createRequire(import.meta.url);

const ALL_TESTS = ["packages/*/test/**/*.test.ts", "apps/*/test/**/*.test.ts", "tests/**/*.test.ts"];
/**
 * Tests that measure the server's responsiveness (`/health` while the largest allowed requests run): they run after
 * every other file, on their own, so that what they measure is the gateway's event loop and not another test file's
 * use of the same cores.
 */
const RESPONSIVENESS_TESTS = ["tests/security/bounded-work.test.ts"];
/**
 * The PostgreSQL pass (`pnpm test:postgres`, TEST_DATABASE_URL set) runs every test whose outcome can depend on the
 * database. It leaves out the tests that never open one (configuration, repository checks, pure functions) and the
 * browser tests: what they check is the page in Chromium, and every request those pages send is covered on
 * PostgreSQL by the HTTP-level tests of the same routes and operations.
 */
const EMBEDDED_PASS_ONLY = [
  "tests/**/*-browser.test.ts",
  "tests/browser/**/*.test.ts",
  "tests/repo/**/*.test.ts",
  "tests/gateway/readme-examples.test.ts",
  "apps/gateway/test/{client-address,config,pathname}.test.ts",
  "packages/sso/test/development-idp.test.ts",
];
const onPostgres = Boolean(process.env.TEST_DATABASE_URL);

/**
 * Files that wait on other processes for most of their time (the benchmark's smoke run, `pnpm start` and the CLI as
 * processes, Chromium): the longest of the suite. Started first, they run alongside the short files on the other
 * worker instead of finishing alone after them. Vitest already runs the files it remembers as longest first, but
 * only when it has timings from an earlier run in node_modules/.vite (not on a fresh checkout).
 */
const STARTED_FIRST = [
  "tests/bench-smoke.test.ts",
  "tests/process/",
  "tests/browser/",
  "tests/gateway/dev-idp-browser.test.ts",
  "tests/gateway/graphiql-browser.test.ts",
];

class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (file: TestSpecification) => {
      const relative = path.relative(file.project.config.root, file.moduleId).split(path.sep).join("/");
      const index = STARTED_FIRST.findIndex((prefix) => relative.startsWith(prefix));
      return index === -1 ? STARTED_FIRST.length : index;
    };
    // Stable: the order within each rank (and of the groups: `sequence.groupOrder`) stays the base sequencer's.
    return sorted
      .map((file, position) => ({ file, position }))
      .sort((a, b) => a.file.project.config.sequence.groupOrder - b.file.project.config.sequence.groupOrder || rank(a.file) - rank(b.file) || a.position - b.position)
      .map(({ file }) => file);
  }
}

export default defineConfig({
  resolve: {
    // graphql ships both ESM and CJS builds; Pothos and Yoga (loaded by Node) get the CJS one, so our own code
    // must too, or the schema's types come from "another module or realm".
    alias: [{ find: /^graphql$/, replacement: require.resolve("graphql") }],
  },
  test: {
    globalSetup: ["tests/kit/global-setup.ts"],
    pool: "forks",
    // Test files wait on their databases as much as they compute: one worker per core, not one less.
    maxWorkers: Math.max(2, availableParallelism()),
    sequence: { sequencer: LongestFirstSequencer },
    // Each test file opens its own database (PGlite in memory, or a fresh PostgreSQL database).
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: "suite",
          include: ALL_TESTS,
          exclude: [...RESPONSIVENESS_TESTS, ...(onPostgres ? EMBEDDED_PASS_ONLY : [])],
          sequence: { groupOrder: 0 },
          // A worker runs its test files one after the other in the same process and keeps the modules it has
          // loaded: each file would otherwise load the whole gateway from its TypeScript sources again (2-5 s of
          // CPU per file, about 200 s per pass). Every file opens its own database and gateway, and closes them.
          isolate: false,
        },
      },
      { extends: true, test: { name: "responsiveness", include: RESPONSIVENESS_TESTS, sequence: { groupOrder: 1 } } },
    ],
  },
});
