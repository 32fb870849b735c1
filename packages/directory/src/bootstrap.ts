import { DomainError, invalidInput, serializable, type Account, type DevopsPlatform, type Enterprise, type PrismaClient } from "@sso-cutover/db";
import { ENTERPRISE_KEY, recordAuditEvent } from "@sso-cutover/enterprise";
import { isValidEmail, normalizeEmail } from "@sso-cutover/membership";
import { generateTokenSecret, hashTokenSecret, lastFour, TOKEN_PREFIX } from "@sso-cutover/tokens";

export interface BootstrapInput {
  enterpriseKey: string;
  enterpriseName: string;
  adminLogin: string;
  adminEmail: string;
  /** The admin's display name (default: the login). */
  adminName?: string | null;
  /** The platform of the admin's DOP account, when known (the directory import can set it later). */
  adminPlatform?: DevopsPlatform | null;
}

export interface BootstrappedEnterprise {
  enterprise: Enterprise;
  admin: Account;
  /** True when the login named an existing DOP account, which was made the admin. */
  adminExisted: boolean;
  /** The admin's personal access token: shown once, stored only as its hash (R5). */
  tokenSecret: string;
  tokenExpiresAt: Date;
}

export const BOOTSTRAP_TOKEN_NAME = "bootstrap admin token";
const TOKEN_LIFETIME_MS = 30 * 86_400_000;
const LOGIN = /^\S{1,255}$/;

/**
 * The way into an empty database: creates an enterprise and its first admin — a DOP account holding Administer
 * Enterprise (R8), which is also the enterprise's first break-glass account (R9 a) — and a personal access token for
 * it, shown once. Refuses when the enterprise exists. Run by the server's operator (`pnpm cli bootstrap`), never
 * through the API: nobody can be an admin of an enterprise that does not exist yet.
 */
export async function bootstrapEnterprise(prisma: PrismaClient, input: BootstrapInput, now = new Date()): Promise<BootstrappedEnterprise> {
  if (!ENTERPRISE_KEY.test(input.enterpriseKey)) {
    throw invalidInput("enterprise", `"${input.enterpriseKey}" is not an enterprise key: 2 to 64 lower-case letters, digits and dashes.`);
  }
  const enterpriseName = input.enterpriseName.trim();
  if (enterpriseName.length === 0 || enterpriseName.length > 200) throw invalidInput("name", "The enterprise name must have 1 to 200 characters.");
  if (!LOGIN.test(input.adminLogin)) throw invalidInput("admin-login", `"${input.adminLogin}" is not a login: 1 to 255 characters, no spaces.`);
  if (!isValidEmail(input.adminEmail)) throw invalidInput("admin-email", `"${input.adminEmail}" is not an email address.`);
  const secret = generateTokenSecret("PAT");
  const tokenExpiresAt = new Date(now.getTime() + TOKEN_LIFETIME_MS);
  return serializable(prisma, async (tx) => {
    if (await tx.enterprise.findUnique({ where: { key: input.enterpriseKey } })) {
      throw new DomainError("CONFLICT", `The enterprise "${input.enterpriseKey}" exists already: nothing was created.`, "enterprise");
    }
    const existing = await tx.account.findUnique({ where: { login: input.adminLogin } });
    if (existing && existing.kind !== "DEVOPS") {
      throw new DomainError("CONFLICT", `"${input.adminLogin}" is an SSO account; the first admin is a DOP account: choose another login.`, "admin-login");
    }
    if (existing?.deletedAt) {
      throw new DomainError("CONFLICT", `The DOP account "${input.adminLogin}" was deleted: choose another login.`, "admin-login");
    }
    const enterprise = await tx.enterprise.create({ data: { key: input.enterpriseKey, name: enterpriseName } });
    const admin =
      existing ??
      (await tx.account.create({
        data: {
          login: input.adminLogin,
          name: input.adminName?.trim() || input.adminLogin,
          email: input.adminEmail.trim(),
          emailNormalized: normalizeEmail(input.adminEmail),
          kind: "DEVOPS",
          devopsPlatform: input.adminPlatform ?? null,
        },
      }));
    await tx.enterprisePermission.create({ data: { enterpriseId: enterprise.id, accountId: admin.id, permission: "ADMINISTER_ENTERPRISE" } });
    await tx.token.create({
      data: {
        kind: "PAT",
        name: BOOTSTRAP_TOKEN_NAME,
        prefix: TOKEN_PREFIX.PAT,
        lastFour: lastFour(secret),
        hash: hashTokenSecret(secret),
        ownerAccountId: admin.id,
        createdById: admin.id,
        expiresAt: tokenExpiresAt,
      },
    });
    await recordAuditEvent(tx, {
      enterpriseId: enterprise.id,
      actor: null,
      action: "enterprise.bootstrapped",
      target: { type: "Enterprise", id: enterprise.id },
      payload: { via: "cli", adminLogin: admin.login, adminAccountId: admin.id, adminExisted: existing !== null },
    });
    return { enterprise, admin, adminExisted: existing !== null, tokenSecret: secret, tokenExpiresAt };
  });
}
