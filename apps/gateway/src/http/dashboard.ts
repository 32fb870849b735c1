import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Plugin } from "graphql-yoga";

/**
 * The dashboard (apps/dashboard), built by `pnpm install` into apps/dashboard/dist: `public/` is served at `/`, and
 * `persisted-documents.json` lists the GraphQL operations it sends (by SHA-256 hash), the only ones a session cookie
 * may run (TRUSTED_DOCUMENTS=cookie, see trusted-documents.ts).
 */
export interface DashboardBuild {
  /** Files under public/, by URL path (`/index.html`, `/assets/index-….js`). */
  files: ReadonlyMap<string, { body: Uint8Array<ArrayBuffer>; type: string }>;
  /** Operation text by hash (`sha256:<hex>`). */
  persistedDocuments: ReadonlyMap<string, string>;
}

/** The repository's root: the nearest folder above this file with pnpm-workspace.yaml (from src/ or from dist/). */
function repositoryRoot(): string | null {
  let folder = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(folder, "pnpm-workspace.yaml"))) return folder;
    const parent = path.dirname(folder);
    if (parent === folder) return null;
    folder = parent;
  }
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
};

function filesBelow(folder: string, prefix = ""): [string, string][] {
  return readdirSync(folder).flatMap((entry): [string, string][] => {
    const full = path.join(folder, entry);
    return statSync(full).isDirectory() ? filesBelow(full, `${prefix}/${entry}`) : [[`${prefix}/${entry}`, full]];
  });
}

const loaded = new Map<string, DashboardBuild | null>();

/** Reads the dashboard's build once per process (a few hundred kilobytes); null when it has not been built. */
export function loadDashboardBuild(root: string | null = repositoryRoot()): DashboardBuild | null {
  if (root === null) return null;
  if (!loaded.has(root)) loaded.set(root, readDashboardBuild(root));
  return loaded.get(root) ?? null;
}

function readDashboardBuild(root: string): DashboardBuild | null {
  const dist = path.join(root, "apps", "dashboard", "dist");
  const manifest = path.join(dist, "persisted-documents.json");
  const publicDir = path.join(dist, "public");
  if (!existsSync(manifest) || !existsSync(path.join(publicDir, "index.html"))) return null;
  const files = new Map<string, { body: Uint8Array<ArrayBuffer>; type: string }>();
  for (const [urlPath, file] of filesBelow(publicDir)) {
    files.set(urlPath, { body: new Uint8Array(readFileSync(file)), type: TYPES[path.extname(file)] ?? "application/octet-stream" });
  }
  const persistedDocuments = new Map(Object.entries(JSON.parse(readFileSync(manifest, "utf8")) as Record<string, string>));
  return { files, persistedDocuments };
}

/** The screens of the dashboard (client-side routes): each answers with its index.html. */
export function isDashboardScreen(pathname: string): boolean {
  return pathname === "/" || pathname === "/me" || pathname.startsWith("/me/") || pathname === "/admin" || pathname.startsWith("/admin/");
}

/**
 * Only this server's own script and styles run on the dashboard's pages; it talks to this server only, and no page
 * may frame it. (Vite's build has no inline script.)
 */
export const DASHBOARD_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * Serves the dashboard: `GET /` and every screen's path answer its index.html (never cached: it names the current
 * assets), `/assets/*` the hashed, immutable files. Without a build, the screens answer 503 saying how to build it.
 */
export function useDashboard(build: DashboardBuild | null): Plugin {
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== "GET" && request.method !== "HEAD") return;
      const screen = isDashboardScreen(url.pathname);
      const asset = url.pathname.startsWith("/assets/");
      if (!screen && !asset) return;
      if (build === null) {
        endResponse(
          new fetchAPI.Response("The dashboard is not built: run `pnpm install` (or `pnpm build`) and restart the server.", {
            status: screen ? 503 : 404,
            headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" },
          }),
        );
        return;
      }
      const file = build.files.get(screen ? "/index.html" : url.pathname);
      if (!file) {
        endResponse(new fetchAPI.Response("Not found", { status: 404, headers: { "content-type": "text/plain; charset=utf-8" } }));
        return;
      }
      endResponse(
        new fetchAPI.Response(request.method === "HEAD" ? null : file.body, {
          status: 200,
          headers: {
            "content-type": file.type,
            "cache-control": screen ? "no-store" : "public, max-age=31536000, immutable",
            ...(screen ? { "content-security-policy": DASHBOARD_CONTENT_SECURITY_POLICY, "x-frame-options": "DENY" } : {}),
          },
        }),
      );
    },
  };
}
