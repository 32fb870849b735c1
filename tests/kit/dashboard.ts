/**
 * The dashboard's persisted operations (apps/dashboard/dist/persisted-documents.json, written by its build at
 * install): what a browser signed in with the session cookie may run (TRUSTED_DOCUMENTS=cookie). Tests that act as a
 * signed-in browser send these, by hash, as the dashboard does.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { SESSION_COOKIE } from "@sso-cutover/sso";
import { parse } from "graphql";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const DASHBOARD_DIST = path.join(ROOT, "apps", "dashboard", "dist");

let manifest: Map<string, { hash: string; document: string }> | null = null;

/** The persisted operations by operation name. */
export function persistedOperations(): Map<string, { hash: string; document: string }> {
  if (manifest === null) {
    const file = path.join(DASHBOARD_DIST, "persisted-documents.json");
    let entries: Record<string, string>;
    try {
      entries = JSON.parse(readFileSync(file, "utf8")) as Record<string, string>;
    } catch (error) {
      throw new Error(`The dashboard is not built (${file}): run \`pnpm install\` or \`node apps/dashboard/scripts/build.mjs\`. ${(error as Error).message}`);
    }
    manifest = new Map();
    for (const [hash, document] of Object.entries(entries)) {
      for (const definition of parse(document).definitions) {
        if (definition.kind === "OperationDefinition" && definition.name) manifest.set(definition.name.value, { hash, document });
      }
    }
  }
  return manifest;
}

export function persistedOperation(name: string): { hash: string; document: string } {
  const operation = persistedOperations().get(name);
  if (!operation) throw new Error(`The dashboard persists no operation named ${name}`);
  return operation;
}

/** What the dashboard sends for an operation: its hash, no text (urql's persisted exchange). */
export function persistedRequestBody(name: string, variables: Record<string, unknown> = {}): string {
  return JSON.stringify({ operationName: name, variables, extensions: { persistedQuery: { version: 1, sha256Hash: persistedOperation(name).hash } } });
}

/** A persisted operation sent with the session cookie, as the dashboard sends it (JSON body, CSRF header). */
export async function sessionOperation<T = any>(
  baseUrl: string,
  cookie: string,
  name: string,
  variables: Record<string, unknown> = {},
): Promise<{ status: number; data?: T; errors?: { message: string; extensions?: Record<string, unknown> }[] }> {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-graphql-yoga-csrf": "dashboard", cookie: `${SESSION_COOKIE}=${cookie}` },
    body: persistedRequestBody(name, variables),
  });
  return { status: response.status, ...((await response.json()) as object) };
}
