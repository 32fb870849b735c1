import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { build, defineConfig, type Plugin } from "vite";
import { FIRST_SCREEN_OPERATIONS, SESSION_OPERATION } from "./src/first-operations.ts";

const app = path.dirname(fileURLToPath(import.meta.url));

/** The gateway `pnpm dev` proxies to (GATEWAY_URL, default the one `pnpm start` runs). */
const gateway = process.env.GATEWAY_URL ?? "http://localhost:4000";
const proxied = ["/graphql", "/login", "/logout", "/saml", "/dev-idp"];

/** Persisted hash by operation name, for the operations the page sends first (from the generated manifest). */
function firstOperationHashes(): Record<string, string> {
  const manifest = JSON.parse(readFileSync(path.join(app, "src", "gql", "persisted-documents.json"), "utf8")) as Record<string, string>;
  const byName = new Map<string, string>();
  for (const [hash, document] of Object.entries(manifest)) {
    for (const [, name] of document.matchAll(/\b(?:query|mutation|subscription)\s+(\w+)/g)) byName.set(name!, hash);
  }
  return Object.fromEntries(
    [SESSION_OPERATION, ...Object.values(FIRST_SCREEN_OPERATIONS)].map((name) => {
      const hash = byName.get(name);
      if (!hash) throw new Error(`src/first-operations.ts names ${name}, but no persisted operation has that name`);
      return [name, hash];
    }),
  );
}

/** Where index.html runs the first requests' script; the build writes the script itself there, inline. */
const FIRST_REQUESTS_TAG = '<script src="/src/first-requests.page.ts"></script>';

/**
 * Inlines src/first-requests.page.ts, bundled and minified, where index.html names it (in the head, before the
 * stylesheet: an inline script waits for the stylesheets above it): it starts the first screen's requests while the
 * application's script is still loading. The gateway allows it by its hash (CSP).
 */
function inlineFirstRequests(): Plugin {
  return {
    name: "inline-first-requests",
    transformIndexHtml: {
      order: "pre",
      async handler(html) {
        if (!html.includes(FIRST_REQUESTS_TAG)) throw new Error(`index.html has no ${FIRST_REQUESTS_TAG}`);
        const output = await build({
          configFile: false,
          root: app,
          logLevel: "warn",
          define: { __FIRST_OPERATION_HASHES__: JSON.stringify(firstOperationHashes()) },
          build: {
            write: false,
            minify: true,
            lib: { entry: path.join(app, "src", "first-requests.page.ts"), formats: ["iife"], name: "firstRequests" },
          },
        });
        const chunk = (Array.isArray(output) ? output : [output]).flatMap((result) => ("output" in result ? result.output : []))[0];
        if (!chunk || chunk.type !== "chunk") throw new Error("bundling src/first-requests.page.ts gave no script");
        // The gateway hashes what lies between <script> and the first </script> (its CSP): the code must not end it early.
        if (/<\/script/i.test(chunk.code)) throw new Error("src/first-requests.page.ts bundles to code containing </script");
        return html.replace(FIRST_REQUESTS_TAG, () => `<script>${chunk.code.trim()}</script>`);
      },
    },
  };
}

export default defineConfig({
  plugins: [react(), inlineFirstRequests()],
  build: {
    outDir: "dist/public",
    emptyOutDir: true,
    // No source maps in the served build: the budget is for what the browser loads.
    sourcemap: false,
    assetsInlineLimit: 0,
  },
  server: {
    port: 5173,
    // The session cookie is set by the gateway for its own origin: the dev server forwards the API and sign-in routes
    // with the browser's Origin rewritten to the gateway's, which is how the gateway sees its own pages.
    proxy: Object.fromEntries(
      proxied.map((path) => [
        path,
        {
          target: gateway,
          changeOrigin: true,
          configure: (proxy) => {
            proxy.on("proxyReq", (request) => {
              if (request.getHeader("origin")) request.setHeader("origin", new URL(gateway).origin);
            });
          },
        },
      ]),
    ),
  },
});
