import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

/** The gateway `pnpm dev` proxies to (GATEWAY_URL, default the one `pnpm start` runs). */
const gateway = process.env.GATEWAY_URL ?? "http://localhost:4000";
const proxied = ["/graphql", "/login", "/logout", "/saml", "/dev-idp"];

export default defineConfig({
  plugins: [react()],
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
