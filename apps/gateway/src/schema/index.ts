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
import "./enterprise-permission";
import "./recovery";

export const schema = lexicographicSortSchema(builder.toSchema());
