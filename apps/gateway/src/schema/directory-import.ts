import { importDirectory, IMPORT_KINDS, type DirectoryImportResult, type KindChanges, type ImportKind } from "@sso-cutover/directory";
import type { AccessLossAfterChange, AccessRuleViolation } from "@sso-cutover/membership";
import { builder } from "../builder";
import { listLimit } from "../input-limits";
import { seenBeforeTheChange } from "../visibility";
import { AccountRef } from "./account";
import { CutoverViolationCode } from "./cutover";
import { EnterpriseRef } from "./enterprise";
import { payloadErrors } from "./error";
import { OrganizationRef } from "./organization";

/** Logins a prune may name as acknowledged (R9 d). */
const MAX_ACKNOWLEDGED_LOGINS = 1_000;

const DirectoryImportKind = builder.enumType("DirectoryImportKind", {
  description: "What a directory import creates, updates and (with prune) removes.",
  values: IMPORT_KINDS,
});

const DirectoryImportChangesRef = builder.objectRef<KindChanges & { kind: ImportKind }>("DirectoryImportChanges").implement({
  fields: (t) => ({
    kind: t.field({ type: DirectoryImportKind, resolve: (changes) => changes.kind }),
    created: t.exposeInt("created"),
    updated: t.exposeInt("updated"),
    unchanged: t.exposeInt("unchanged"),
    removed: t.exposeInt("removed", { description: "Removed with prune (in a dry run: what the real run removes)." }),
    notListed: t.exposeInt("notListed", {
      description: "In the database but not in the file. Organizations, groups and accounts are never removed; the rest only with prune.",
    }),
    notListedExamples: t.exposeStringList("notListedExamples", { description: "Up to 20 of those, named." }),
  }),
});

const DirectoryImportViolationRef = builder.objectRef<AccessRuleViolation>("DirectoryImportViolation").implement({
  description: "A rule of R9 that pruning would break: the whole import is refused.",
  fields: (t) => ({
    code: t.field({ type: CutoverViolationCode, resolve: (violation) => violation.code }),
    message: t.exposeString("message"),
    organization: t.field({ type: OrganizationRef, nullable: true, resolve: (violation) => violation.organization }),
    account: t.prismaField({
      type: AccountRef,
      nullable: true,
      description: "The DOP account the violation is about (UNACKNOWLEDGED_ACCESS_LOSS).",
      resolve: (query, violation, _args, context) =>
        violation.accountId ? context.prisma.account.findUnique({ ...query, where: { id: violation.accountId } }) : null,
    }),
  }),
});

const DirectoryImportAccessLossRef = builder.objectRef<AccessLossAfterChange>("DirectoryImportAccessLoss").implement({
  description: "R9 (d): a person pruning leaves with no way into organizations they are in today.",
  fields: (t) => ({
    account: t.prismaField({
      type: AccountRef,
      resolve: (query, loss, _args, context) => context.prisma.account.findUniqueOrThrow({ ...query, where: { id: loss.accountId } }),
    }),
    ssoAccount: t.prismaField({
      type: AccountRef,
      nullable: true,
      resolve: (query, loss, _args, context) => (loss.ssoAccountId ? context.prisma.account.findUnique({ ...query, where: { id: loss.ssoAccountId } }) : null),
    }),
    organizations: t.field({ type: [OrganizationRef], resolve: (loss) => loss.organizations }),
    acknowledged: t.exposeBoolean("acknowledged"),
  }),
});

const DirectoryImportResultRef = builder.objectRef<DirectoryImportResult>("DirectoryImportResult").implement({
  description: "What the import did (or, in a dry run or when refused, would do): per kind, and what the file no longer lists.",
  fields: (t) => ({
    enterprise: t.prismaField({
      type: EnterpriseRef,
      resolve: (query, result, _args, context) => context.prisma.enterprise.findUniqueOrThrow({ ...query, where: { id: result.enterpriseId } }),
    }),
    dryRun: t.exposeBoolean("dryRun"),
    prune: t.exposeBoolean("prune"),
    applied: t.exposeBoolean("applied", { description: "True only for a real run without violations: the changes were made." }),
    changed: t.exposeBoolean("changed", { description: "False when the database already matches the file (a repeated import)." }),
    summary: t.exposeString("summary"),
    changes: t.field({
      type: [DirectoryImportChangesRef],
      resolve: (result) => IMPORT_KINDS.map((kind) => ({ kind, ...result.changes[kind] })),
    }),
    violations: t.field({ type: [DirectoryImportViolationRef], resolve: (result) => result.violations }),
    accessLoss: t.field({ type: [DirectoryImportAccessLossRef], resolve: (result) => result.accessLoss }),
  }),
});

const ImportDirectoryInput = builder.inputType("ImportDirectoryInput", {
  fields: (t) => ({
    enterpriseKey: t.string({ required: true }),
    document: t.field({
      type: "JSON",
      required: true,
      description:
        "The directory file (docs/directory-import.schema.json): a JSON object, or a string holding its JSON text. " +
        "Files larger than the request body limit are imported with `pnpm cli import`.",
    }),
    dryRun: t.boolean({ required: false, defaultValue: false, description: "Compute and return the result, change nothing." }),
    prune: t.boolean({
      required: false,
      defaultValue: false,
      description: "Remove, in the organizations the file lists, what it no longer lists (R9 applies; refused whole on a violation).",
    }),
    acknowledgeAccessLoss: t.stringList({
      required: false,
      ...listLimit(MAX_ACKNOWLEDGED_LOGINS, "R9 (d): logins of DOP accounts whose loss of access through pruning is accepted."),
    }),
    acknowledgeAll: t.boolean({ required: false, description: "R9 (d): accept every loss of access pruning causes." }),
  }),
});

builder.mutationField("importDirectory", (t) =>
  t.withAuth({ account: true }).field({
    type: DirectoryImportResultRef,
    errors: payloadErrors("importDirectory"),
    description:
      "Imports the DevOps-platform side of an enterprise (organizations, projects, DOP accounts, memberships, groups, " +
      "permissions, token metadata) from a directory file. Enterprise admins only. Idempotent; one transaction.",
    args: { input: t.arg({ type: ImportDirectoryInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const result = await importDirectory(
        context.prisma,
        { kind: "account", actor: context.viewer },
        {
          enterpriseKey: input.enterpriseKey,
          document: input.document,
          dryRun: input.dryRun ?? false,
          prune: input.prune ?? false,
          acknowledgeAccessLoss: input.acknowledgeAccessLoss ?? [],
          acknowledgeAll: input.acknowledgeAll ?? false,
        },
        context.now,
      );
      // People pruned out of the enterprise were seen by the admin before the change.
      seenBeforeTheChange(context, "Account", result.accessLoss.map((loss) => loss.accountId));
      return result;
    },
  }),
);
