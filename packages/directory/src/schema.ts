/**
 * The directory import format, version 1, as a JSON Schema (draft-07). `docs/directory-import.schema.json` is this
 * object written out (a test keeps them equal), for editors and other tools.
 *
 * Versioning (docs/domain-model.md#directory-import-format): a new optional field keeps version 1 when leaving it out
 * means what files without it always meant (`emailVerified`: false, what every imported DOP account had); a change
 * that would refuse or reinterpret a version-1 file needs version 2, and version-1 files stay importable.
 */
const KEY = { type: "string", minLength: 1, maxLength: 200, pattern: "^[A-Za-z0-9][A-Za-z0-9._-]*$" } as const;
const LOGIN = { type: "string", minLength: 1, maxLength: 255, pattern: "^[^\\s]+$" } as const;
const NAME = { type: "string", minLength: 1, maxLength: 255 } as const;
const TIMESTAMP = {
  type: "string",
  pattern: "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2})$",
  description: "An ISO 8601 date and time with its offset, e.g. 2026-03-01T09:30:00Z.",
} as const;
const ORG_PERMISSION = { enum: ["ADMIN", "SCAN", "GATEADMIN", "PROFILEADMIN", "PROVISIONING"] } as const;
const PLATFORM = { enum: ["GITHUB", "GITLAB", "BITBUCKET_CLOUD", "AZURE_DEVOPS"] } as const;

export const DIRECTORY_IMPORT_SCHEMA = {
  $schema: "http://json-schema.org/draft-07/schema#",
  $id: "urn:sso-cutover:directory-import:1",
  title: "sso-cutover directory import, version 1",
  description:
    "The DevOps-platform side of one enterprise: its organizations and projects, the DOP accounts, their memberships, " +
    "organization groups and permissions, enterprise permissions, and token metadata (never a secret).",
  type: "object",
  additionalProperties: false,
  required: ["version", "organizations", "accounts"],
  properties: {
    $schema: { type: "string" },
    version: { const: 1, description: "The format version: 1." },
    organizations: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["key", "name", "devopsPlatform", "plan"],
        properties: {
          key: { ...KEY, description: "Unique organization key (natural key)." },
          name: NAME,
          devopsPlatform: { ...PLATFORM, description: "The DevOps platform the organization is bound to." },
          plan: { enum: ["FREE", "TEAM", "ENTERPRISE"] },
          projects: {
            type: "array",
            items: {
              type: "object",
              additionalProperties: false,
              required: ["key", "name"],
              properties: { key: { ...KEY, description: "Unique within the organization." }, name: NAME },
            },
          },
        },
      },
    },
    accounts: {
      type: "array",
      description: "DOP accounts.",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["login", "name", "devopsPlatform"],
        properties: {
          login: { ...LOGIN, description: "Unique login (natural key)." },
          name: NAME,
          email: { type: ["string", "null"], maxLength: 320 },
          emailVerified: {
            type: "boolean",
            description:
              "Whether the platform verified that the person owns `email` (default false). An enterprise admin links a DOP " +
              "account to an SSO account only when both carry the same verified email.",
          },
          devopsPlatform: PLATFORM,
          externalId: { type: ["string", "null"], minLength: 1, maxLength: 255, description: "The account's id on its platform." },
        },
      },
    },
    memberships: {
      type: "array",
      description: "Direct organization memberships, with the permissions held directly.",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["account", "organization"],
        properties: {
          account: { ...LOGIN, description: "Login of an account listed in `accounts`." },
          organization: { ...KEY, description: "Key of an organization listed in `organizations`." },
          permissions: { type: "array", items: ORG_PERMISSION, uniqueItems: true },
        },
      },
    },
    groups: {
      type: "array",
      description: "Organization groups: their permissions and DOP members. Members and Owners are built in.",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["organization", "name"],
        properties: {
          organization: KEY,
          name: NAME,
          permissions: { type: "array", items: ORG_PERMISSION, uniqueItems: true },
          members: { type: "array", items: LOGIN, uniqueItems: true },
        },
      },
    },
    enterprisePermissions: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["account", "permission"],
        properties: { account: LOGIN, permission: { enum: ["ADMINISTER_ENTERPRISE", "CREATE_PORTFOLIOS"] } },
      },
    },
    tokens: {
      type: "array",
      description: "Token metadata. A token never carries its secret: a `secret`, `value` or similar field is refused.",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["kind", "name", "createdAt"],
        properties: {
          kind: { enum: ["PAT", "SOT"], description: "PAT: owned by `owner`. SOT: belongs to `organization`." },
          name: NAME,
          owner: { ...LOGIN, description: "PAT only: the owner's login." },
          organization: { ...KEY, description: "SOT only: the organization's key." },
          allProjects: { type: "boolean", description: "SOT only: scoped to every project (default false)." },
          projects: { type: "array", items: KEY, uniqueItems: true, description: "SOT only: the project keys it is scoped to." },
          lastFour: { type: "string", pattern: "^[0-9a-f]{4}$", description: "What the platform shows of the secret, if known." },
          createdAt: TIMESTAMP,
          lastUsedAt: { anyOf: [TIMESTAMP, { type: "null" }] },
          expiresAt: { anyOf: [TIMESTAMP, { type: "null" }] },
        },
      },
    },
  },
} as const;
