import { MAX_FILTER_LENGTH } from "./filter";
import { MAX_PATCH_OPERATIONS } from "./patch";
import { GROUP_SCHEMA, LIST_SCHEMA, USER_SCHEMA } from "./resources";

/** Most resources one list page returns (`count` above it is lowered to it, RFC 7644 §3.4.2.4). */
export const MAX_PAGE_SIZE = 200;

/** RFC 7643 §5: what this service provider supports. */
export function serviceProviderConfig(baseUrl: string) {
  return {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_PAGE_SIZE },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: "oauthbearertoken",
        name: "Bearer token",
        description: `The enterprise's SCIM token (createScimToken), as Authorization: Bearer sqscim_…; at most ${MAX_PATCH_OPERATIONS} PATCH operations and ${MAX_FILTER_LENGTH}-character filters.`,
        primary: true,
      },
    ],
    meta: { resourceType: "ServiceProviderConfig", location: `${baseUrl}/ServiceProviderConfig` },
  };
}

const attribute = (name: string, type: string, extra: Record<string, unknown> = {}) => ({
  name,
  type,
  multiValued: false,
  required: false,
  caseExact: false,
  mutability: "readWrite",
  returned: "default",
  uniqueness: "none",
  ...extra,
});

const USER_ATTRIBUTES = [
  attribute("userName", "string", { required: true, uniqueness: "server" }),
  attribute("externalId", "string", { caseExact: true }),
  attribute("name", "complex", {
    subAttributes: ["formatted", "familyName", "givenName", "middleName", "honorificPrefix", "honorificSuffix"].map((name) => attribute(name, "string")),
  }),
  attribute("displayName", "string"),
  attribute("emails", "complex", {
    multiValued: true,
    subAttributes: [attribute("value", "string"), attribute("type", "string"), attribute("primary", "boolean")],
  }),
  attribute("active", "boolean"),
];

const GROUP_ATTRIBUTES = [
  attribute("displayName", "string", { required: true, uniqueness: "server", caseExact: true }),
  attribute("externalId", "string", { caseExact: true }),
  attribute("members", "complex", {
    multiValued: true,
    subAttributes: [attribute("value", "string", { mutability: "immutable" }), attribute("display", "string", { mutability: "readOnly" })],
  }),
];

export function schemas(baseUrl: string) {
  const resources = [
    { schemas: ["urn:ietf:params:scim:schemas:core:2.0:Schema"], id: USER_SCHEMA, name: "User", description: "An SSO account the IdP provisions", attributes: USER_ATTRIBUTES, meta: { resourceType: "Schema", location: `${baseUrl}/Schemas/${USER_SCHEMA}` } },
    { schemas: ["urn:ietf:params:scim:schemas:core:2.0:Schema"], id: GROUP_SCHEMA, name: "Group", description: "An IdP group; organization groups follow it through the SSO connection's group mappings", attributes: GROUP_ATTRIBUTES, meta: { resourceType: "Schema", location: `${baseUrl}/Schemas/${GROUP_SCHEMA}` } },
  ];
  return resources;
}

export function resourceTypes(baseUrl: string) {
  return [
    { schemas: ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"], id: "User", name: "User", endpoint: "/Users", schema: USER_SCHEMA, meta: { resourceType: "ResourceType", location: `${baseUrl}/ResourceTypes/User` } },
    { schemas: ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"], id: "Group", name: "Group", endpoint: "/Groups", schema: GROUP_SCHEMA, meta: { resourceType: "ResourceType", location: `${baseUrl}/ResourceTypes/Group` } },
  ];
}

export function listOf(resources: unknown[]) {
  return { schemas: [LIST_SCHEMA], totalResults: resources.length, startIndex: 1, itemsPerPage: resources.length, Resources: resources };
}
