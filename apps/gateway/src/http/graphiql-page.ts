import type { renderGraphiQL } from "@graphql-yoga/render-graphiql";
import { inlineScriptHashes } from "./inline-scripts";

type GraphiQLOptions = NonNullable<Parameters<typeof renderGraphiQL>[0]>;

/**
 * GraphiQL is the tool of token holders: it sends no cookie, and the caller adds `Authorization: Bearer <token>` in
 * the Headers tab (the example query's first lines say so). With the session cookie only the dashboard's persisted
 * operations run (TRUSTED_DOCUMENTS=cookie), so a cookie would make introspection fail; and no header is prefilled,
 * since an empty "Bearer " would make it fail with 401.
 */
export function graphiqlOptions({ title, defaultQuery }: { title: string; defaultQuery: string }): GraphiQLOptions {
  return { title, defaultQuery, credentials: "omit" };
}

/**
 * GraphiQL as bundled by @graphql-yoga/render-graphiql (it works offline: its script, styles, fonts and icons are all
 * inline), with the Content-Security-Policy that allows exactly what that page needs:
 * - its one inline script, by hash (no other script runs, injected or not);
 * - inline styles (the editor creates `<style>` elements and style attributes at run time);
 * - `data:` images and fonts (the bundled CSS embeds them), `blob:` workers (the editor's language workers are
 *   created from strings in the page);
 * - requests to this server only; no frames, no plugins, no forms, and no page may frame it (clickjacking).
 *
 * The bundle (9 MB of script text, 35 MB of memory once loaded) is loaded at the first page view, not at start.
 */
export function createGraphiQLPage(): { render: (options?: GraphiQLOptions) => Promise<string>; contentSecurityPolicy: () => string } {
  const policies = new Map<string, string>();
  let latest: string | null = null;
  return {
    async render(options) {
      const { renderGraphiQL } = await import("@graphql-yoga/render-graphiql");
      const html = renderGraphiQL(options);
      // The options are the same for every request, so hashing happens once, not per page view.
      const cacheKey = JSON.stringify(options ?? {});
      let policy = policies.get(cacheKey);
      if (policy === undefined) {
        policy = [
          "default-src 'none'",
          `script-src ${inlineScriptHashes(html).join(" ")}`,
          "style-src 'unsafe-inline'",
          "img-src 'self' data: blob:",
          "font-src data:",
          "connect-src 'self'",
          "worker-src blob:",
          "base-uri 'none'",
          "form-action 'none'",
          "frame-ancestors 'none'",
        ].join("; ");
        policies.set(cacheKey, policy);
      }
      latest = policy;
      return html;
    },
    contentSecurityPolicy() {
      // Not rendered yet (cannot happen for a GraphiQL response, which is rendered first): the strictest policy.
      return latest ?? "default-src 'none'; frame-ancestors 'none'";
    },
  };
}
