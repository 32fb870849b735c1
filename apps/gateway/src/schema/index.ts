import { lexicographicSortSchema } from "graphql";
import { builder } from "../builder";
import "./scalars";
import "./error";
import "./root";
import "./enums";
import "./organization";
import "./account";
import "./setup-progress";
import "./enterprise";
import "./sso-connection";
import "./cutover-status";
import "./invitation";
import "./identity-link";
import "./access-review";

export const schema = lexicographicSortSchema(builder.toSchema());
