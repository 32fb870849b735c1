import { DomainError, invalidInput, serializable, type PrismaClient, type SsoConnection } from "@sso-cutover/db";
import { recordAuditEvent, requireEnterpriseAdmin, requireVisibleEnterprise, type Actor } from "@sso-cutover/enterprise";
import { carriesAdmin } from "./group-sync";
import { MEMBERS_GROUP } from "./sso-accounts";

export const MAX_SSO_GROUP_MAPPINGS = 500;
const MAX_IDP_GROUP_LENGTH = 256;

export interface SsoGroupMappingInput {
  /** The group name as the IdP sends it (case-sensitive). */
  idpGroup: string;
  organizationKey: string;
  /** Name of the organization's group. */
  group: string;
}

export interface SetSsoGroupMappingsInput {
  enterpriseKey: string;
  /** The complete set: it replaces the connection's mappings (an empty list removes them all). */
  mappings: readonly SsoGroupMappingInput[];
}

/**
 * R14: sets the IdP group → organization group mappings of the enterprise's SSO connection, the only way an IdP
 * group joins a group that carries ADMIN (group sync, see `syncGroupMemberships`). Enterprise admins only. Every
 * mapping is checked (organization of this enterprise, existing group, not `Members`, no duplicate) before
 * anything is written; one transaction with its audit event (R13). Takes effect at each person's next sign-in.
 */
export async function setSsoGroupMappings(
  prisma: PrismaClient,
  actor: Actor,
  input: SetSsoGroupMappingsInput,
  now = new Date(),
): Promise<SsoConnection> {
  if (input.mappings.length > MAX_SSO_GROUP_MAPPINGS) {
    throw invalidInput("input.mappings", `At most ${MAX_SSO_GROUP_MAPPINGS} group mappings (got ${input.mappings.length}).`);
  }
  const seen = new Map<string, number>();
  input.mappings.forEach((mapping, index) => {
    const field = `input.mappings[${index}]`;
    if (mapping.idpGroup.trim().length === 0) throw invalidInput(`${field}.idpGroup`, "The IdP group name must not be empty.");
    if (mapping.idpGroup.length > MAX_IDP_GROUP_LENGTH) {
      throw invalidInput(`${field}.idpGroup`, `The IdP group name is longer than ${MAX_IDP_GROUP_LENGTH} characters.`);
    }
    if (mapping.group === MEMBERS_GROUP) {
      throw invalidInput(`${field}.group`, `"${MEMBERS_GROUP}" holds every member of the organization: it cannot be mapped from the IdP (R2).`);
    }
    const key = JSON.stringify([mapping.idpGroup, mapping.organizationKey, mapping.group]);
    const first = seen.get(key);
    if (first !== undefined) throw invalidInput(field, `Same mapping as input.mappings[${first}].`);
    seen.set(key, index);
  });

  return serializable(prisma, async (tx) => {
    const enterprise = await requireVisibleEnterprise(tx, actor.accountId, input.enterpriseKey);
    await requireEnterpriseAdmin(tx, actor.accountId, enterprise.id);
    const connection = await tx.ssoConnection.findUnique({ where: { enterpriseId: enterprise.id } });
    if (!connection) {
      throw new DomainError(
        "PRECONDITION_FAILED",
        "The enterprise has no SSO connection yet: configure it first (configureSsoConnection).",
        "input.enterpriseKey",
      );
    }
    const organizationKeys = [...new Set(input.mappings.map((mapping) => mapping.organizationKey))];
    const [organizations, previous] = await Promise.all([
      tx.organization.findMany({
        where: { enterpriseId: enterprise.id, key: { in: organizationKeys } },
        select: {
          id: true,
          key: true,
          groups: {
            select: { id: true, name: true, builtIn: true, permissions: { where: { permission: "ADMIN" }, select: { permission: true } } },
          },
        },
      }),
      tx.ssoGroupMapping.findMany({
        where: { ssoConnectionId: connection.id },
        select: { idpGroup: true, group: { select: { name: true, organization: { select: { key: true } } } } },
      }),
    ]);
    const byKey = new Map(organizations.map((organization) => [organization.key, organization]));
    const rows = input.mappings.map((mapping, index) => {
      const field = `input.mappings[${index}]`;
      const organization = byKey.get(mapping.organizationKey);
      // R15: an organization of another enterprise reads exactly like one that does not exist.
      if (!organization) {
        throw invalidInput(`${field}.organizationKey`, "The enterprise has no organization with this key.");
      }
      const group = organization.groups.find((candidate) => candidate.name === mapping.group);
      if (!group) throw invalidInput(`${field}.group`, `Organization "${organization.key}" has no group "${mapping.group}".`);
      return { mapping, group, organization };
    });

    await tx.ssoGroupMapping.deleteMany({ where: { ssoConnectionId: connection.id } });
    if (rows.length > 0) {
      await tx.ssoGroupMapping.createMany({
        data: rows.map(({ mapping, group }) => ({
          ssoConnectionId: connection.id,
          idpGroup: mapping.idpGroup,
          groupId: group.id,
          createdById: actor.accountId,
          createdAt: now,
        })),
      });
    }
    await recordAuditEvent(tx, {
      enterpriseId: enterprise.id,
      actor,
      action: "sso_connection.group_mappings_set",
      target: { type: "SsoConnection", id: connection.id },
      payload: {
        mappings: rows.map(({ mapping, group, organization }) => ({
          idpGroup: mapping.idpGroup,
          organization: organization.key,
          group: group.name,
          grantsAdmin: carriesAdmin(group),
        })),
        previous: previous.map((row) => ({ idpGroup: row.idpGroup, organization: row.group.organization.key, group: row.group.name })),
      },
    });
    return connection;
  });
}
