export { ScimError, SCIM_ERROR_SCHEMA } from "./errors";
export type { ScimType } from "./errors";
export {
  SCIM_TOKEN_PREFIX,
  createScimToken,
  revokeScimToken,
  authenticateScimToken,
  scimBaseUrl,
  looksLikeScimToken,
  hashScimTokenSecret,
} from "./tokens";
export type { CreatedScimToken, ScimCaller } from "./tokens";
export { createScimUser, getScimUser, listScimUsers, replaceScimUser, patchScimUser, deleteScimUser } from "./users";
export type { ScimRequestContext, ListRequest } from "./users";
export { createScimGroup, getScimGroup, listScimGroups, replaceScimGroup, patchScimGroup, deleteScimGroup, MAX_GROUP_MEMBERS } from "./groups";
export { serviceProviderConfig, schemas, resourceTypes, listOf, MAX_PAGE_SIZE } from "./discovery";
export { serialize } from "./resources";
export { MAX_FILTER_LENGTH } from "./filter";
export { applyScimGroupMappings } from "./group-mappings";
