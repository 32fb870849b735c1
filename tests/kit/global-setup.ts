import { ensureEmbeddedTemplate, ensurePostgresTemplate } from "@sso-cutover/db/testing";

/** Migrates the template database once, before the test files clone it. */
export default async function setup(): Promise<void> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (serverUrl) await ensurePostgresTemplate(serverUrl);
  else await ensureEmbeddedTemplate();
}
