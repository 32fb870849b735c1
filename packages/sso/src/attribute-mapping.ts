/**
 * Which SAML attributes a login reads. Each attribute accepts a list of names, the first one present in the
 * response wins. A connection configured without a mapping accepts the names the common IdPs send by default
 * (documented in docs/domain-model.md, "Attribute mapping"), so that group sync works without configuration.
 */

export type MappedAttribute = "login" | "name" | "email" | "groups";

/**
 * Default accepted names, in order of preference: the plain names (Okta, Google Workspace and most custom apps),
 * Entra ID's claim URIs, LDAP/X.500 OIDs (Keycloak's and ADFS's SAML mappers), and Keycloak's own defaults.
 * `prisma/schema.prisma` gives new connections the same lists.
 */
export const DEFAULT_ATTRIBUTE_NAMES: Readonly<Record<MappedAttribute, readonly string[]>> = {
  login: [
    "login",
    "username",
    "preferred_username",
    "uid",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn",
    "urn:oid:0.9.2342.19200300.100.1.1",
  ],
  name: [
    "name",
    "displayName",
    "http://schemas.microsoft.com/identity/claims/displayname",
    "urn:oid:2.16.840.1.113730.3.1.241",
    "cn",
  ],
  email: [
    "email",
    "mail",
    "emailAddress",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
    "urn:oid:0.9.2342.19200300.100.1.3",
    "urn:oid:1.2.840.113549.1.9.1",
  ],
  groups: [
    "groups",
    "group",
    "memberOf",
    "member",
    "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups",
    "urn:oid:1.3.6.1.4.1.5923.1.5.1.1",
    "urn:oid:1.2.840.113556.1.2.102",
  ],
};

/** The accepted names of each attribute; an empty `groups` list turns group sync off. */
export interface AttributeNames {
  login: readonly string[];
  name: readonly string[];
  email: readonly string[];
  groups: readonly string[];
}

/** A connection's accepted names, as stored. */
export function attributeNamesOf(connection: {
  loginAttributes: readonly string[];
  nameAttributes: readonly string[];
  emailAttributes: readonly string[];
  groupsAttributes: readonly string[];
}): AttributeNames {
  return {
    login: connection.loginAttributes,
    name: connection.nameAttributes,
    email: connection.emailAttributes,
    groups: connection.groupsAttributes,
  };
}

/**
 * The first of `names` that the response's attributes carry, or null. Present means sent, even with no value: an
 * IdP that sends an empty groups attribute does send groups (the person is in none).
 */
export function presentAttribute(attributes: Record<string, unknown>, names: readonly string[]): string | null {
  return names.find((name) => Object.prototype.hasOwnProperty.call(attributes, name)) ?? null;
}
