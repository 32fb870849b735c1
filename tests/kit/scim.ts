/** SCIM 2.0 clients for the gateway's `/scim/v2/<enterprise key>` endpoint, as an IdP calls it over HTTP. */
import type { TestGateway } from "./gateway";

export const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
export const USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";
export const GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group";
export const ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error";

export interface ScimAnswer {
  status: number;
  headers: Headers;
  body: any;
}

export interface ScimClient {
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ScimAnswer>;
  patch(path: string, operations: unknown[], headers?: Record<string, string>): Promise<ScimAnswer>;
}

/** A client of one enterprise's SCIM endpoint over real HTTP, authenticating with `token`. */
export function scimClient(baseUrl: string, enterpriseKey: string, token: string): ScimClient {
  const root = `${baseUrl}/scim/v2/${encodeURIComponent(enterpriseKey)}`;
  async function request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ScimAnswer> {
    const response = await fetch(`${root}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        accept: "application/scim+json",
        ...(body !== undefined ? { "content-type": "application/scim+json; charset=utf-8" } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text === "" ? null : JSON.parse(text) };
  }
  return {
    request,
    patch: (path, operations, headers) => request("PATCH", path, { schemas: [PATCH_OP], Operations: operations }, headers),
  };
}

/** A SCIM token of the enterprise, created by an enterprise admin through GraphQL. */
export async function createScimTokenFor(kit: TestGateway, adminToken: string, enterpriseKey: string): Promise<{ token: string; scimBaseUrl: string }> {
  const response = await kit.graphql(
    `mutation($input: ScimTokenInput!) { createScimToken(input: $input) {
      __typename ... on CreatedScimToken { token scimBaseUrl display } ... on Error { code message } } }`,
    { token: adminToken, variables: { input: { enterpriseKey } } },
  );
  const created = response.data?.createScimToken;
  if (created?.__typename !== "CreatedScimToken") throw new Error(`createScimToken failed: ${JSON.stringify(response)}`);
  return { token: created.token, scimBaseUrl: created.scimBaseUrl };
}
