import { notFound, type Enterprise, type Tx } from "@sso-cutover/db";
import { visibleEnterpriseWhere } from "./visibility";

export const ENTERPRISE_KEY = /^[a-z0-9-]{2,64}$/;

/**
 * Who may see an enterprise: members of one of its organizations, holders of an enterprise permission,
 * and its own SSO accounts. Everyone else gets `null`, never a hint that the key exists.
 */
export async function findVisibleEnterprise(tx: Tx, viewerAccountId: string, key: string): Promise<Enterprise | null> {
  if (!ENTERPRISE_KEY.test(key)) return null;
  return tx.enterprise.findFirst({ where: { key, ...visibleEnterpriseWhere(viewerAccountId) } });
}

/**
 * The enterprise a mutation names, for a viewer who can see it; NOT_FOUND (naming the field) otherwise,
 * so that a mutation cannot be used to probe for keys.
 */
export async function requireVisibleEnterprise(
  tx: Tx,
  viewerAccountId: string,
  key: string,
  field = "input.enterpriseKey",
): Promise<Enterprise> {
  const enterprise = await findVisibleEnterprise(tx, viewerAccountId, key);
  if (!enterprise) throw notFound("No enterprise with this key.", field);
  return enterprise;
}

/** R1: the one-click access link; also the link handed to invitees ("Invite users to sign in"). */
export function enterpriseLoginUrl(publicUrl: string, enterpriseKey: string): string {
  const url = new URL("/login/sso", publicUrl);
  url.searchParams.set("enterprise_key", enterpriseKey);
  return url.toString();
}

/** R1: the one-click access link exists only while the enterprise's SSO connection is ACTIVE. */
export function oneClickAccessLink(
  publicUrl: string,
  enterpriseKey: string,
  connection: { status: "DRAFT" | "ACTIVE" } | null,
): string | null {
  return connection?.status === "ACTIVE" ? enterpriseLoginUrl(publicUrl, enterpriseKey) : null;
}
