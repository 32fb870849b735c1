import {
  ACCOUNT_COLUMNS,
  DomainError,
  ORGANIZATION_COLUMNS,
  TOKEN_COLUMNS,
  modelsFromTuples,
  modelTupleJson,
  PROJECT_COLUMNS,
  PROJECT_TIMESTAMPS,
  rowOf,
  selectColumns,
  type Account,
  type Organization,
  type PrismaClient,
  type Project,
  type Token,
  Prisma,
  readRows,
} from "@sso-cutover/db";
import type { Principal } from "./principal";
import { digestsEqual, hashTokenSecret, looksLikeTokenSecret } from "./secrets";

/** `lastUsedAt` is written at most this often per token, so that authentication is not a write per request. */
export const LAST_USED_RESOLUTION_MS = 60_000;

function unauthenticated(): DomainError {
  // One message for every failure: it must not tell a guesser which part was wrong.
  return new DomainError("UNAUTHENTICATED", "The token is missing, invalid, expired or revoked.");
}

/**
 * Resolves an `Authorization: Bearer <token>` secret to the principal it authenticates (R5): looked up by
 * hash, compared in constant time; revoked, expired, deleted-owner and deprovisioned-owner tokens never authenticate.
 */
export async function authenticateToken(prisma: PrismaClient, secret: string, now = new Date()): Promise<Principal> {
  if (!looksLikeTokenSecret(secret)) throw unauthenticated();
  const hash = hashTokenSecret(secret);
  const token = await tokenByHash(prisma, hash);
  if (!token || !digestsEqual(token.hash, hash)) throw unauthenticated();
  if (token.revokedAt || (token.expiresAt && token.expiresAt <= now)) throw unauthenticated();

  let principal: Principal;
  if (token.kind === "PAT") {
    const owner = token.ownerAccount;
    // A deprovisioned (SCIM) owner's tokens stop at once: read from the row this lookup already loads.
    if (!owner || owner.deletedAt || owner.deactivatedAt) throw unauthenticated();
    principal = { kind: "ACCOUNT", account: owner, via: "PAT", credentialId: token.id };
  } else {
    const organization = token.organization;
    if (!organization) throw unauthenticated();
    principal = { kind: "ORGANIZATION_TOKEN", token: { ...token, organization, projects: token.projects } };
  }
  await touchToken(prisma, token.id, token.lastUsedAt, now);
  return principal;
}

/**
 * The token with its owner, its organization and its projects, in one hand-written statement: it runs on every
 * request that carries a token, and Prisma would compile the equivalent `findUnique` with its `include` again at each
 * call (measured: more CPU than the rest of a `{ __typename }` request).
 */
async function tokenByHash(prisma: PrismaClient, hash: string) {
  const rows = await readRows<Record<string, unknown>>(prisma, Prisma.sql`
    SELECT ${selectColumns("t", TOKEN_COLUMNS)}, ${selectColumns("a", ACCOUNT_COLUMNS)}, ${selectColumns("o", ORGANIZATION_COLUMNS)},
      CASE WHEN t."organizationId" IS NULL THEN NULL ELSE (
        SELECT json_agg(${modelTupleJson("p", PROJECT_COLUMNS, PROJECT_TIMESTAMPS)} ORDER BY p."id") FROM "TokenProject" tp JOIN "Project" p ON p."id" = tp."projectId"
        WHERE tp."tokenId" = t."id"
      ) END AS "projects"
    FROM "Token" t
    LEFT JOIN "Account" a ON a."id" = t."ownerAccountId"
    LEFT JOIN "Organization" o ON o."id" = t."organizationId"
    WHERE t."hash" = ${hash}`);
  const row = rows[0];
  if (!row) return null;
  const token = rowOf<Token>(row, "t", TOKEN_COLUMNS)!;
  return {
    ...token,
    ownerAccount: rowOf<Account>(row, "a", ACCOUNT_COLUMNS),
    organization: rowOf<Organization>(row, "o", ORGANIZATION_COLUMNS),
    projects: modelsFromTuples<Project>(row.projects, PROJECT_COLUMNS, PROJECT_TIMESTAMPS).map((project) => ({ tokenId: token.id, projectId: project.id, project })),
  };
}

async function touchToken(prisma: PrismaClient, tokenId: string, lastUsedAt: Date | null, now: Date): Promise<void> {
  if (lastUsedAt && now.getTime() - lastUsedAt.getTime() < LAST_USED_RESOLUTION_MS) return;
  const threshold = new Date(now.getTime() - LAST_USED_RESOLUTION_MS);
  await prisma.token.updateMany({
    where: { id: tokenId, OR: [{ lastUsedAt: null }, { lastUsedAt: { lte: threshold } }] },
    data: { lastUsedAt: now },
  });
}
