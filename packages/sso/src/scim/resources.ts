import type { Account, ScimGroup } from "@sso-cutover/db";

export const USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";
export const GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group";
export const LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

export interface ScimEmail {
  value: string;
  type?: string;
  primary?: boolean;
}

/** The SCIM attributes of a user kept as the IdP sent them (Account.scimAttributes). */
export interface StoredUserAttributes {
  name?: Record<string, string>;
  displayName?: string;
  emails?: ScimEmail[];
}

export interface ResourceMeta {
  resourceType: string;
  created: Date;
  lastModified: Date;
  location: string;
  version: string;
}

export type Resource = Record<string, unknown> & { meta: ResourceMeta; schemas: string[] };

/** A weak ETag from the last modification time: it changes with every change of the resource. */
export function etagOf(lastModified: Date): string {
  return `W/"${lastModified.getTime().toString(36)}"`;
}

export type UserRow = Pick<
  Account,
  "id" | "createdAt" | "scimUserName" | "scimExternalId" | "scimAttributes" | "scimProvisionedAt" | "scimUpdatedAt" | "deactivatedAt" | "email"
>;

export const USER_SELECT = {
  id: true,
  createdAt: true,
  scimUserName: true,
  scimExternalId: true,
  scimAttributes: true,
  scimProvisionedAt: true,
  scimUpdatedAt: true,
  deactivatedAt: true,
  email: true,
} as const;

export function userResource(row: UserRow, baseUrl: string): Resource {
  const attributes = (row.scimAttributes ?? {}) as StoredUserAttributes;
  const created = row.scimProvisionedAt ?? row.createdAt;
  const lastModified = row.scimUpdatedAt ?? created;
  return {
    schemas: [USER_SCHEMA],
    id: row.id,
    ...(row.scimExternalId !== null ? { externalId: row.scimExternalId } : {}),
    userName: row.scimUserName ?? "",
    ...(attributes.name ? { name: attributes.name } : {}),
    ...(attributes.displayName !== undefined ? { displayName: attributes.displayName } : {}),
    emails: attributes.emails ?? (row.email ? [{ value: row.email, type: "work", primary: true }] : []),
    active: row.deactivatedAt === null,
    meta: { resourceType: "User", created, lastModified, location: `${baseUrl}/Users/${row.id}`, version: etagOf(lastModified) },
  };
}

export type GroupRow = ScimGroup & { members?: { accountId: string; account: { scimUserName: string | null } }[] };

export function groupResource(row: GroupRow, baseUrl: string): Resource {
  return {
    schemas: [GROUP_SCHEMA],
    id: row.id,
    ...(row.externalId !== null ? { externalId: row.externalId } : {}),
    displayName: row.displayName,
    ...(row.members
      ? {
          members: row.members.map((member) => ({
            value: member.accountId,
            ...(member.account.scimUserName !== null ? { display: member.account.scimUserName } : {}),
            $ref: `${baseUrl}/Users/${member.accountId}`,
          })),
        }
      : {}),
    meta: {
      resourceType: "Group",
      created: row.createdAt,
      lastModified: row.updatedAt,
      location: `${baseUrl}/Groups/${row.id}`,
      version: etagOf(row.updatedAt),
    },
  };
}

/** The JSON sent: dates as RFC 3339 strings. */
export function serialize(resource: unknown): unknown {
  return JSON.parse(JSON.stringify(resource));
}
