import { Ajv, type ErrorObject } from "ajv";
import {
  invalidInput,
  type DevopsPlatform,
  type EnterprisePermissionKind,
  type OrgPermissionKind,
  type Plan,
  type TokenKind,
} from "@sso-cutover/db";
import { BUILT_IN_GROUP_PERMISSIONS, isValidEmail } from "@sso-cutover/membership";
import { DIRECTORY_IMPORT_SCHEMA } from "./schema";

export interface DirectoryOrganization {
  key: string;
  name: string;
  devopsPlatform: DevopsPlatform;
  plan: Plan;
  projects?: { key: string; name: string }[];
}

export interface DirectoryAccount {
  login: string;
  name: string;
  email?: string | null;
  /** The platform verified that the person owns `email` (default false). */
  emailVerified?: boolean;
  devopsPlatform: DevopsPlatform;
  externalId?: string | null;
}

export interface DirectoryMembership {
  account: string;
  organization: string;
  permissions?: OrgPermissionKind[];
}

export interface DirectoryGroup {
  organization: string;
  name: string;
  permissions?: OrgPermissionKind[];
  members?: string[];
}

export interface DirectoryEnterprisePermission {
  account: string;
  permission: EnterprisePermissionKind;
}

export interface DirectoryToken {
  kind: TokenKind;
  name: string;
  owner?: string;
  organization?: string;
  allProjects?: boolean;
  projects?: string[];
  lastFour?: string;
  createdAt: string;
  lastUsedAt?: string | null;
  expiresAt?: string | null;
}

/** A directory file, version 1 (docs/directory-import.schema.json). */
export interface DirectoryDocument {
  version: 1;
  organizations: DirectoryOrganization[];
  accounts: DirectoryAccount[];
  memberships?: DirectoryMembership[];
  groups?: DirectoryGroup[];
  enterprisePermissions?: DirectoryEnterprisePermission[];
  tokens?: DirectoryToken[];
}

/** One problem of a file, at its JSON path (`memberships[12].organization`). */
export interface DirectoryProblem {
  path: string;
  message: string;
}

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
const validateSchema = ajv.compile<DirectoryDocument>(DIRECTORY_IMPORT_SCHEMA);

/** Keys that would carry a token's secret: refused by name, with their own message, before the schema speaks. */
const SECRET_FIELD = /secret|value|token|hash|password|key$/i;
const SHOWN = 20;

/** `/memberships/12/organization` → `memberships[12].organization`. */
function jsonPath(pointer: string, extra?: string): string {
  const parts = pointer.split("/").slice(1).map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"));
  if (extra !== undefined) parts.push(extra);
  return parts.reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), "");
}

function describe(error: ErrorObject): DirectoryProblem {
  switch (error.keyword) {
    case "additionalProperties": {
      const property = (error.params as { additionalProperty: string }).additionalProperty;
      return { path: jsonPath(error.instancePath, property), message: "unknown field" };
    }
    case "required":
      return { path: jsonPath(error.instancePath, (error.params as { missingProperty: string }).missingProperty), message: "missing" };
    case "enum":
      return {
        path: jsonPath(error.instancePath),
        message: `must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((value) => JSON.stringify(value)).join(", ")}`,
      };
    case "const":
      return { path: jsonPath(error.instancePath), message: `must be ${JSON.stringify((error.params as { allowedValue: unknown }).allowedValue)}` };
    default:
      return { path: jsonPath(error.instancePath) || "(the document)", message: error.message ?? error.keyword };
  }
}

/** Throws INVALID_INPUT listing the problems; the field names the first one's path. */
export function refuseDocument(problems: readonly DirectoryProblem[], pathPrefix: string): never {
  const first = problems[0]!;
  const shown = problems.slice(0, SHOWN).map((problem) => `${problem.path}: ${problem.message}`);
  throw invalidInput(
    `${pathPrefix}${first.path}`,
    `The directory file has ${problems.length} problem(s), nothing was imported: ${shown.join("; ")}${problems.length > SHOWN ? "; …" : ""}.`,
    { problems: problems.slice(0, 1_000) },
  );
}

/** Fields of tokens that could hold a secret: a token is imported as metadata only (R5). */
function tokenSecretProblems(value: unknown): DirectoryProblem[] {
  const tokens = (value as { tokens?: unknown } | null)?.tokens;
  if (!Array.isArray(tokens)) return [];
  const problems: DirectoryProblem[] = [];
  tokens.forEach((token, index) => {
    if (token === null || typeof token !== "object" || Array.isArray(token)) return;
    for (const field of Object.keys(token)) {
      if (SECRET_FIELD.test(field) && field !== "lastFour") {
        problems.push({
          path: `tokens[${index}].${field}`,
          message: "a token's secret is never imported (secrets are shown once and stored only as hashes): remove this field",
        });
      }
    }
  });
  return problems;
}

function duplicates<T>(items: readonly T[], keyOf: (item: T) => string, path: (index: number) => string, what: (item: T) => string): DirectoryProblem[] {
  const seen = new Map<string, number>();
  const problems: DirectoryProblem[] = [];
  items.forEach((item, index) => {
    const key = keyOf(item);
    const first = seen.get(key);
    if (first === undefined) seen.set(key, index);
    else problems.push({ path: path(index), message: `duplicate ${what(item)} (also ${path(first)})` });
  });
  return problems;
}

/** Checks between the lists: every reference names something the file lists, nothing is listed twice. */
function referenceProblems(document: DirectoryDocument): DirectoryProblem[] {
  const problems: DirectoryProblem[] = [];
  const organizations = new Map(document.organizations.map((organization) => [organization.key, organization]));
  const logins = new Set(document.accounts.map((account) => account.login));

  problems.push(
    ...duplicates(document.organizations, (o) => o.key, (i) => `organizations[${i}].key`, (o) => `organization "${o.key}"`),
    // Platforms treat logins case-insensitively; two spellings of one login are one person listed twice.
    ...duplicates(document.accounts, (a) => a.login.toLowerCase(), (i) => `accounts[${i}].login`, (a) => `login "${a.login}"`),
  );
  document.organizations.forEach((organization, index) =>
    problems.push(
      ...duplicates(organization.projects ?? [], (p) => p.key, (i) => `organizations[${index}].projects[${i}].key`, (p) => `project "${p.key}"`),
    ),
  );
  document.accounts.forEach((account, index) => {
    if (account.email && !isValidEmail(account.email)) problems.push({ path: `accounts[${index}].email`, message: `"${account.email}" is not an email address` });
    if (account.emailVerified && !account.email) problems.push({ path: `accounts[${index}].emailVerified`, message: "an account without an email has no verified email" });
  });
  const account = (login: string, path: string) => {
    if (!logins.has(login)) problems.push({ path, message: `unknown account "${login}" (not listed in accounts)` });
  };
  const organization = (key: string, path: string) => {
    if (!organizations.has(key)) problems.push({ path, message: `unknown organization "${key}" (not listed in organizations)` });
  };

  const memberships = document.memberships ?? [];
  memberships.forEach((membership, index) => {
    account(membership.account, `memberships[${index}].account`);
    organization(membership.organization, `memberships[${index}].organization`);
  });
  problems.push(
    ...duplicates(memberships, (m) => `${m.account}\n${m.organization}`, (i) => `memberships[${i}]`, (m) => `membership of "${m.account}" in "${m.organization}"`),
  );

  const groups = document.groups ?? [];
  groups.forEach((group, index) => {
    organization(group.organization, `groups[${index}].organization`);
    (group.members ?? []).forEach((login, memberIndex) => account(login, `groups[${index}].members[${memberIndex}]`));
    const builtIn = BUILT_IN_GROUP_PERMISSIONS[group.name];
    if (builtIn && group.permissions && !samePermissions(group.permissions, builtIn)) {
      problems.push({
        path: `groups[${index}].permissions`,
        message: `${group.name} is a built-in group whose permissions are fixed (${builtIn.length ? builtIn.join(", ") : "none"}): leave them out`,
      });
    }
  });
  problems.push(...duplicates(groups, (g) => `${g.organization}\n${g.name}`, (i) => `groups[${i}]`, (g) => `group "${g.name}" of "${g.organization}"`));

  const enterprisePermissions = document.enterprisePermissions ?? [];
  enterprisePermissions.forEach((grant, index) => account(grant.account, `enterprisePermissions[${index}].account`));
  problems.push(
    ...duplicates(enterprisePermissions, (p) => `${p.account}\n${p.permission}`, (i) => `enterprisePermissions[${i}]`, (p) => `${p.permission} of "${p.account}"`),
  );

  const tokens = document.tokens ?? [];
  tokens.forEach((token, index) => {
    const path = `tokens[${index}]`;
    if (token.kind === "PAT") {
      if (token.owner === undefined) problems.push({ path: `${path}.owner`, message: "a PAT names its owner" });
      else account(token.owner, `${path}.owner`);
      for (const field of ["organization", "allProjects", "projects"] as const) {
        if (token[field] !== undefined) problems.push({ path: `${path}.${field}`, message: "only a scoped organization token (SOT) has this field" });
      }
    } else {
      if (token.owner !== undefined) problems.push({ path: `${path}.owner`, message: "a scoped organization token (SOT) has no owner" });
      if (token.organization === undefined) problems.push({ path: `${path}.organization`, message: "an SOT names its organization" });
      else {
        organization(token.organization, `${path}.organization`);
        const owner = organizations.get(token.organization);
        if (owner && owner.plan === "FREE") {
          problems.push({ path: `${path}.organization`, message: `"${owner.key}" is on the Free plan, which has no scoped organization tokens (R6)` });
        }
        const projectKeys = new Set((owner?.projects ?? []).map((project) => project.key));
        (token.projects ?? []).forEach((key, projectIndex) => {
          if (owner && !projectKeys.has(key)) {
            problems.push({ path: `${path}.projects[${projectIndex}]`, message: `unknown project "${key}" of "${owner.key}"` });
          }
        });
        if (token.allProjects && (token.projects ?? []).length > 0) {
          problems.push({ path: `${path}.projects`, message: "a token scoped to all projects lists none" });
        }
      }
    }
    for (const field of ["createdAt", "lastUsedAt", "expiresAt"] as const) {
      const value = token[field];
      if (typeof value === "string" && Number.isNaN(Date.parse(value))) problems.push({ path: `${path}.${field}`, message: `"${value}" is not a date` });
    }
  });
  problems.push(
    ...duplicates(tokens, (t) => `${t.kind}\n${t.owner ?? t.organization}\n${t.name}`, (i) => `tokens[${i}]`, (t) => `token "${t.name}" of "${t.owner ?? t.organization}"`),
  );
  return problems;
}

function samePermissions(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((permission) => b.includes(permission));
}

/**
 * Parses and checks a directory file: the JSON Schema (ajv), then token secrets and references between the lists.
 * `value` is the parsed JSON, or its text. Refuses with INVALID_INPUT naming every problem by JSON path, prefixed by
 * `pathPrefix` in the error's field (`input.document.`). Pure: reads no database.
 */
export function parseDirectoryDocument(value: unknown, pathPrefix = ""): DirectoryDocument {
  let parsed = value;
  if (typeof value === "string") {
    try {
      parsed = JSON.parse(value) as unknown;
    } catch (error) {
      throw invalidInput(pathPrefix.replace(/\.$/, "") || "document", `The directory file is not JSON: ${(error as Error).message}`);
    }
  }
  const secrets = tokenSecretProblems(parsed);
  if (secrets.length > 0) refuseDocument(secrets, pathPrefix);
  if (!validateSchema(parsed)) refuseDocument((validateSchema.errors ?? []).map(describe), pathPrefix);
  const problems = referenceProblems(parsed);
  if (problems.length > 0) refuseDocument(problems, pathPrefix);
  return parsed;
}
