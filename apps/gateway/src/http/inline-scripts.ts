import { createHash } from "node:crypto";

/**
 * The `'sha256-…'` Content-Security-Policy source of each inline `<script>` of a page (its text between the tags,
 * UTF-8): a policy that lists them runs exactly those scripts, and no other inline or injected one.
 */
export function inlineScriptHashes(html: string): string[] {
  const hashes: string[] = [];
  for (const match of html.matchAll(/<script>([\s\S]*?)<\/script>/g)) {
    hashes.push(`'sha256-${createHash("sha256").update(match[1] ?? "", "utf8").digest("base64")}'`);
  }
  return hashes;
}
