import type { SetupCounts, SetupProgress, SetupStep } from "@sso-cutover/sso";
import { builder } from "../builder";

const SetupStepName = builder.enumType("SetupStepName", {
  values: ["CONFIGURE_ONE_CLICK_ACCESS", "INVITE_USERS", "TERMINATE"] as const,
});
const SetupStepStatus = builder.enumType("SetupStepStatus", { values: ["TODO", "IN_PROGRESS", "DONE", "BLOCKED"] as const });

const SetupStepRef = builder.objectRef<SetupStep>("SetupStep").implement({
  fields: (t) => ({
    step: t.expose("step", { type: SetupStepName }),
    status: t.expose("status", { type: SetupStepStatus }),
    blockers: t.exposeStringList("blockers", { description: "What must happen before this step can progress." }),
    warnings: t.exposeStringList("warnings"),
    completed: t.exposeInt("completed", { description: "Units of this step done, out of `total`." }),
    total: t.exposeInt("total"),
  }),
});

const SetupCountsRef = builder.objectRef<SetupCounts>("SetupCounts").implement({
  fields: (t) => ({
    organizations: t.exposeInt("organizations"),
    dopAccounts: t.exposeInt("dopAccounts", { description: "DOP accounts that are members of the enterprise's organizations." }),
    linkedDopAccounts: t.exposeInt("linkedDopAccounts"),
    ssoAccounts: t.exposeInt("ssoAccounts"),
    pendingInvitations: t.exposeInt("pendingInvitations"),
    acceptedInvitations: t.exposeInt("acceptedInvitations"),
    enterpriseAdministrators: t.exposeInt("enterpriseAdministrators"),
    ssoEnterpriseAdministrators: t.exposeInt("ssoEnterpriseAdministrators"),
    breakGlassAccounts: t.exposeInt("breakGlassAccounts", {
      description: "DOP accounts kept on purpose: Administer Enterprise holders and Bitbucket Cloud organization admins.",
    }),
    dopAccountsToRemove: t.exposeInt("dopAccountsToRemove"),
    removedWithoutSso: t.exposeInt("removedWithoutSso", {
      description: "R9 (d): people removed with an acknowledged loss of access and still without an SSO account.",
    }),
    organizationsKeepingLastAdmin: t.exposeInt("organizationsKeepingLastAdmin", {
      description: "R14 / R9 (c): organizations whose last admin group sync kept although the IdP no longer grants it.",
    }),
    scimUsers: t.exposeInt("scimUsers", { description: "R20: SSO accounts the IdP provisioned over SCIM (deprovisioned ones included)." }),
    scimDeactivatedUsers: t.exposeInt("scimDeactivatedUsers", { description: "R20: of those, the ones the IdP deprovisioned (active: false)." }),
    scimGroups: t.exposeInt("scimGroups", { description: "R20: groups the IdP pushed over SCIM." }),
  }),
});

export const SetupProgressRef = builder.objectRef<SetupProgress>("SetupProgress").implement({
  fields: (t) => ({
    steps: t.field({ type: [SetupStepRef], resolve: (progress) => progress.steps }),
    counts: t.field({ type: SetupCountsRef, resolve: (progress) => progress.counts }),
    lastScimRequestAt: t.expose("lastScimRequestAt", {
      type: "DateTime",
      nullable: true,
      description: "R20: the IdP's last request to the SCIM endpoint (to the minute); null: never.",
    }),
  }),
});
