import { builder } from "../builder";

export const AccountKind = builder.enumType("AccountKind", {
  description: "DEVOPS: signs in through a DevOps platform (DOP account). SSO: created by the enterprise's IdP.",
  values: ["DEVOPS", "SSO"] as const,
});
export const DevopsPlatform = builder.enumType("DevopsPlatform", {
  values: ["GITHUB", "GITLAB", "BITBUCKET_CLOUD", "AZURE_DEVOPS"] as const,
});
export const Plan = builder.enumType("Plan", { values: ["FREE", "TEAM", "ENTERPRISE"] as const });
export const Provisioning = builder.enumType("Provisioning", { values: ["JIT", "SCIM"] as const });
export const SsoConnectionStatus = builder.enumType("SsoConnectionStatus", { values: ["DRAFT", "ACTIVE"] as const });
export const EnterprisePermissionKind = builder.enumType("EnterprisePermission", {
  values: ["ADMINISTER_ENTERPRISE", "CREATE_PORTFOLIOS"] as const,
});
export const OrgPermissionKind = builder.enumType("OrganizationPermission", {
  values: ["ADMIN", "SCAN", "GATEADMIN", "PROFILEADMIN", "PROVISIONING"] as const,
});
