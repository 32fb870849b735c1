import type { EnterpriseScopedRequest } from "@sso-cutover/membership";

// Dataloader keys for per-account fields that take an optional `enterpriseKey` argument: equal requests share
// one key, so each is answered once per request.

export function enterpriseScopedKey(accountId: string, enterpriseKey: string | null | undefined): string {
  return JSON.stringify([accountId, enterpriseKey ?? null]);
}

export function parseEnterpriseScopedKey(key: string): EnterpriseScopedRequest {
  const [accountId, enterpriseKey] = JSON.parse(key) as [string, string | null];
  return { accountId, enterpriseKey };
}
