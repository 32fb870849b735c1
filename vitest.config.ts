import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

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
    // Each test file opens its own database (PGlite in memory, or a fresh PostgreSQL database).
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: "suite", include: ALL_TESTS, exclude: [...RESPONSIVENESS_TESTS, ...(onPostgres ? EMBEDDED_PASS_ONLY : [])], sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: "responsiveness", include: RESPONSIVENESS_TESTS, sequence: { groupOrder: 1 } } },
    ],
  },
});
