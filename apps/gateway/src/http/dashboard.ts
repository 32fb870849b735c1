import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Plugin } from "graphql-yoga";
import { inlineScriptHashes } from "./inline-scripts";

/**
 * The dashboard (apps/dashboard), built by `pnpm install` into apps/dashboard/dist: `public/` is served at `/`, and
 * `persisted-documents.json` lists the GraphQL operations it sends (by SHA-256 hash), the only ones a session cookie
 * may run (TRUSTED_DOCUMENTS=cookie, see trusted-documents.ts).
 */
export interface DashboardBuild {
  /**
   * Files under public/, by URL path (`/index.html`, `/assets/index-….js`), each with the precompressed copies the
   * build wrote next to it (`<file>.br`, `<file>.gz`), which are not files of their own.
   */
  files: ReadonlyMap<string, DashboardFile>;
  /** Operation text by hash (`sha256:<hex>`). */
  persistedDocuments: ReadonlyMap<string, string>;
  /** The Content-Security-Policy of its pages (`dashboardContentSecurityPolicy`). */
  contentSecurityPolicy: string;
}

export interface DashboardFile {
  body: Uint8Array<ArrayBuffer>;
  type: string;
  /** The same bytes compressed, by content coding. */
  encoded: Partial<Record<ContentCoding, Uint8Array<ArrayBuffer>>>;
}

/** The content codings the build precompresses to, by the suffix of their file; best (smallest) first. */
type ContentCoding = "br" | "gzip";
const CODINGS: { coding: ContentCoding; suffix: string }[] = [
  { coding: "br", suffix: ".br" },
  { coding: "gzip", suffix: ".gz" },
];

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
  const all = new Map(filesBelow(publicDir));
  const variantOf = (urlPath: string) => CODINGS.find(({ suffix }) => urlPath.endsWith(suffix) && all.has(urlPath.slice(0, -suffix.length)));
  const files = new Map<string, DashboardFile>();
  for (const [urlPath, file] of all) {
    if (variantOf(urlPath)) continue;
    const encoded: DashboardFile["encoded"] = {};
    for (const { coding, suffix } of CODINGS) {
      const variant = all.get(`${urlPath}${suffix}`);
      if (variant !== undefined) encoded[coding] = new Uint8Array(readFileSync(variant));
    }
    files.set(urlPath, { body: new Uint8Array(readFileSync(file)), type: TYPES[path.extname(file)] ?? "application/octet-stream", encoded });
  }
  const persistedDocuments = new Map(Object.entries(JSON.parse(readFileSync(manifest, "utf8")) as Record<string, string>));
  const contentSecurityPolicy = dashboardContentSecurityPolicy(new TextDecoder().decode(files.get("/index.html")!.body));
  return { files, persistedDocuments, contentSecurityPolicy };
}

/**
 * The content coding to send, from the request's Accept-Encoding (RFC 9110 §12.5.3): among the codings this file has
 * and `identity`, the one with the highest q-value above 0, the smaller file on a tie; `*` stands for any coding not
 * named, and identity is acceptable unless refused (then it is still what is sent: no 406). Without the header: identity.
 */
export function negotiateEncoding(acceptEncoding: string | null, available: readonly ContentCoding[]): ContentCoding | "identity" {
  if (!acceptEncoding) return "identity";
  const weights = new Map<string, number>();
  for (const part of acceptEncoding.split(",")) {
    const [name, ...parameters] = part.split(";").map((piece) => piece.trim().toLowerCase());
    if (!name) continue;
    const q = parameters.find((parameter) => parameter.startsWith("q="));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    weights.set(name, Number.isFinite(weight) ? weight : 0);
  }
  // identity, when not named, is acceptable but ranks below any coding the request asks for.
  const weight = (coding: string) => weights.get(coding) ?? weights.get("*") ?? (coding === "identity" ? Number.MIN_VALUE : 0);
  // Smallest first, so that on a tie the first one stays.
  const candidates = [...CODINGS.map(({ coding }) => coding).filter((coding) => available.includes(coding)), "identity" as const];
  let best: ContentCoding | "identity" = "identity";
  let bestWeight = 0;
  for (const candidate of candidates) {
    if (weight(candidate) > bestWeight) {
      best = candidate;
      bestWeight = weight(candidate);
    }
  }
  return best;
}

/** The screens of the dashboard (client-side routes): each answers with its index.html. */
export function isDashboardScreen(pathname: string): boolean {
  return pathname === "/" || pathname === "/me" || pathname.startsWith("/me/") || pathname === "/admin" || pathname.startsWith("/admin/");
}

/**
 * Only this server's own scripts and styles run on the dashboard's pages, and the inline scripts the build wrote into
 * its index.html, each allowed by its hash (one: it starts the first screen's requests,
 * apps/dashboard/src/first-requests.page.ts), never any other inline or injected script; the page talks to this server
 * only, and no page may frame it.
 */
export function dashboardContentSecurityPolicy(indexHtml: string): string {
  return [
    "default-src 'none'",
    ["script-src 'self'", ...inlineScriptHashes(indexHtml)].join(" "),
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/**
 * Serves the dashboard: `GET /` and every screen's path answer its index.html (never cached: it names the current
 * assets), `/assets/*` the hashed, immutable files, brotli- or gzip-compressed when the request accepts it (`Vary:
 * Accept-Encoding`). Without a build, the screens answer 503 saying how to build it.
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
      // A precompressed copy when the browser accepts one (the build wrote them; nothing is compressed per request).
      const codings = Object.keys(file.encoded) as ContentCoding[];
      const coding = negotiateEncoding(request.headers.get("accept-encoding"), codings);
      const body = coding === "identity" ? file.body : file.encoded[coding]!;
      endResponse(
        new fetchAPI.Response(request.method === "HEAD" ? null : body, {
          status: 200,
          headers: {
            "content-type": file.type,
            "content-length": String(body.byteLength),
            ...(coding === "identity" ? {} : { "content-encoding": coding }),
            ...(codings.length > 0 ? { vary: "accept-encoding" } : {}),
            "cache-control": screen ? "no-store" : "public, max-age=31536000, immutable",
            ...(screen ? { "content-security-policy": build.contentSecurityPolicy, "x-frame-options": "DENY" } : {}),
          },
        }),
      );
    },
  };
}
