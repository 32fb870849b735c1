import { lexicographicSortSchema } from "graphql";
import { builder } from "../builder";
import { enforceVisibility } from "../visibility";
import "./scalars";
import "./error";
import "./root";
import "./enums";
import "./organization";
import "./account";
import "./setup-progress";
import "./enterprise";
import "./sso-connection";
import "./sso-group-mapping";
import "./enterprise-permission";
import "./recovery";
import "./audit-event";
import "./cutover-status";
import "./invitation";
import "./identity-link";
import "./access-review";
import "./token";
import "./token-info";
import "./token-guidance";
import "./cutover";
import "./organization-access";
import "./directory-import";

// R15: every field returning an enterprise-owned type answers only what its type's visibility filter allows.
export const schema = enforceVisibility(lexicographicSortSchema(builder.toSchema()));
