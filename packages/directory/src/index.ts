export { DIRECTORY_IMPORT_SCHEMA } from "./schema";
export { parseDirectoryDocument } from "./document";
export type {
  DirectoryDocument,
  DirectoryOrganization,
  DirectoryAccount,
  DirectoryMembership,
  DirectoryGroup,
  DirectoryEnterprisePermission,
  DirectoryToken,
  DirectoryProblem,
} from "./document";
export { importDirectory, IMPORT_KINDS } from "./import";
export type { ImportCaller, ImportDirectoryInput, ImportKind, KindChanges, DirectoryImportResult } from "./import";
export { bootstrapEnterprise, BOOTSTRAP_TOKEN_NAME } from "./bootstrap";
export type { BootstrapInput, BootstrappedEnterprise } from "./bootstrap";
