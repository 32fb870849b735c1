import { DomainError, type PrismaClient } from "@sso-cutover/db";
import { scim } from "@sso-cutover/sso";
import type { Plugin } from "graphql-yoga";
import { unauthenticatedError } from "../auth-errors";
import type { GatewayConfig } from "../config";
import type { Logger } from "../logger";

export const SCIM_PREFIX = "/scim/v2/";
const SCIM_CONTENT_TYPE = "application/scim+json; charset=utf-8";

/** The enterprise key a SCIM route names (`/scim/v2/<key>/…`), or null for any other path. */
export function scimEnterpriseKey(pathname: string): string | null {
  if (!pathname.startsWith(SCIM_PREFIX)) return null;
  const key = pathname.slice(SCIM_PREFIX.length).split("/")[0] ?? "";
  try {
    return key === "" ? null : decodeURIComponent(key);
  } catch {
    return null;
  }
}

/**
 * R20: the SCIM token of a request to `/scim/v2/<key>/…`, authenticated once per request (the rate limiter and the
 * route share it). Null for other paths. A refusal is the gateway's UNAUTHENTICATED error, counted by the rate
 * limiter as a failed authentication.
 */
export function scimAuthentication(prisma: PrismaClient): (request: Request, pathname: string) => Promise<scim.ScimCaller> | null {
  const callers = new WeakMap<Request, Promise<scim.ScimCaller>>();
  return (request, pathname) => {
    const enterpriseKey = scimEnterpriseKey(pathname);
    if (enterpriseKey === null) return null;
    let caller = callers.get(request);
    if (caller === undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get("authorization") ?? "");
      caller = scim.authenticateScimToken(prisma, match?.[1] ?? "", enterpriseKey).catch((error: unknown) => {
        if (error instanceof DomainError && error.code === "UNAUTHENTICATED") {
          const refused = unauthenticatedError();
          refused.message = error.message;
          throw refused;
        }
        throw error;
      });
      caller.catch(() => undefined);
      callers.set(request, caller);
    }
    return caller;
  };
}

function scimJson(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(scim.serialize(body)), {
    status,
    headers: { "content-type": SCIM_CONTENT_TYPE, "cache-control": "no-store", ...headers },
  });
}

function errorResponse(error: scim.ScimError): Response {
  return scimJson(error.toJSON(), error.status, error.status === 401 ? { "www-authenticate": 'Bearer realm="scim"' } : {});
}

function resourceResponse(resource: Record<string, unknown>, status = 200): Response {
  const meta = resource.meta as { version: string; location: string };
  return scimJson(resource, status, { etag: meta.version, ...(status === 201 ? { location: meta.location } : {}) });
}

/** `startIndex` (1-based, at least 1) and `count` (0 to MAX_PAGE_SIZE, default 100) of a list request. */
function listRequest(url: URL): scim.ListRequest {
  const number = (name: string, fallback: number): number => {
    const raw = url.searchParams.get(name);
    if (raw === null || raw === "") return fallback;
    if (!/^-?\d{1,9}$/.test(raw)) throw new scim.ScimError(400, `"${name}" must be an integer.`, "invalidValue");
    return Number(raw);
  };
  return {
    filter: url.searchParams.get("filter"),
    startIndex: Math.max(1, number("startIndex", 1)),
    count: Math.min(scim.MAX_PAGE_SIZE, Math.max(0, number("count", 100))),
  };
}

function withMembers(url: URL): boolean {
  const excluded = (url.searchParams.get("excludedAttributes") ?? "").toLowerCase().split(",").map((name) => name.trim());
  return !excluded.includes("members");
}

async function jsonBody(request: Request): Promise<unknown> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/(scim\+)?json\b/i.test(type)) {
    throw new scim.ScimError(415, "Send the body as application/scim+json (or application/json).", "invalidSyntax");
  }
  try {
    return JSON.parse(await request.text());
  } catch {
    throw new scim.ScimError(400, "The body is not valid JSON.", "invalidSyntax");
  }
}

/**
 * R20: the SCIM 2.0 endpoint of each enterprise, `/scim/v2/<enterprise key>` (RFC 7644): ServiceProviderConfig,
 * ResourceTypes, Schemas, Users and Groups, answered as `application/scim+json` with RFC 7644 §3.12 error objects.
 * Only that enterprise's SCIM token authenticates here, and it authenticates nowhere else. The domain
 * (`@sso-cutover/sso` scim) decides and audits; this maps methods and paths to it.
 */
export function useScimRoutes({
  prisma,
  config,
  log,
  authenticate,
}: {
  prisma: PrismaClient;
  config: GatewayConfig;
  log: Logger;
  authenticate: (request: Request, pathname: string) => Promise<scim.ScimCaller> | null;
}): Plugin {
  async function route(request: Request, url: URL, caller: scim.ScimCaller): Promise<Response> {
    const baseUrl = scim.scimBaseUrl(config.PUBLIC_URL, caller.enterpriseKey);
    const context: scim.ScimRequestContext = { caller, baseUrl, now: new Date() };
    const [, resource = "", id, ...extra] = url.pathname.slice(SCIM_PREFIX.length).split("/");
    const method = request.method;
    const ifMatch = request.headers.get("if-match");
    const notAllowed = () => new scim.ScimError(405, `${method} is not supported on ${url.pathname}.`);
    if (extra.length > 0) throw new scim.ScimError(404, `No SCIM resource at ${url.pathname}.`);
    const decodedId = id === undefined || id === "" ? null : decodeURIComponent(id);
    switch (resource) {
      case "ServiceProviderConfig":
        if (method !== "GET") throw notAllowed();
        return scimJson(scim.serviceProviderConfig(baseUrl));
      case "ResourceTypes":
      case "Schemas": {
        if (method !== "GET") throw notAllowed();
        const all = resource === "Schemas" ? scim.schemas(baseUrl) : scim.resourceTypes(baseUrl);
        if (decodedId === null) return scimJson(scim.listOf(all));
        const one = all.find((entry) => entry.id === decodedId);
        if (!one) throw new scim.ScimError(404, `No ${resource} entry "${decodedId}".`);
        return scimJson(one);
      }
      case "Users":
        if (decodedId === null) {
          if (method === "GET") return scimJson(await scim.listScimUsers(prisma, context, listRequest(url)));
          if (method === "POST") return resourceResponse(await scim.createScimUser(prisma, context, await jsonBody(request)), 201);
          throw notAllowed();
        }
        if (method === "GET") {
          const user = await scim.getScimUser(prisma, context, decodedId);
          const version = (user.meta as unknown as { version: string }).version;
          if (request.headers.get("if-none-match") === version) return new Response(null, { status: 304, headers: { etag: version } });
          return resourceResponse(user);
        }
        if (method === "PUT") return resourceResponse(await scim.replaceScimUser(prisma, context, decodedId, await jsonBody(request), ifMatch));
        if (method === "PATCH") return resourceResponse(await scim.patchScimUser(prisma, context, decodedId, await jsonBody(request), ifMatch));
        if (method === "DELETE") {
          await scim.deleteScimUser(prisma, context, decodedId, ifMatch);
          return new Response(null, { status: 204 });
        }
        throw notAllowed();
      case "Groups":
        if (decodedId === null) {
          if (method === "GET") return scimJson(await scim.listScimGroups(prisma, context, listRequest(url), withMembers(url)));
          if (method === "POST") return resourceResponse(await scim.createScimGroup(prisma, context, await jsonBody(request)), 201);
          throw notAllowed();
        }
        if (method === "GET") {
          const group = await scim.getScimGroup(prisma, context, decodedId, withMembers(url));
          const version = (group.meta as unknown as { version: string }).version;
          if (request.headers.get("if-none-match") === version) return new Response(null, { status: 304, headers: { etag: version } });
          return resourceResponse(group);
        }
        if (method === "PUT") return resourceResponse(await scim.replaceScimGroup(prisma, context, decodedId, await jsonBody(request), ifMatch));
        if (method === "PATCH") return resourceResponse(await scim.patchScimGroup(prisma, context, decodedId, await jsonBody(request), ifMatch));
        if (method === "DELETE") {
          await scim.deleteScimGroup(prisma, context, decodedId, ifMatch);
          return new Response(null, { status: 204 });
        }
        throw notAllowed();
      default:
        throw new scim.ScimError(404, `No SCIM resource at ${url.pathname}.`);
    }
  }

  return {
    async onRequest({ request, url, endResponse }) {
      const pending = authenticate(request, url.pathname);
      if (pending === null) return;
      try {
        const caller = await pending.catch(() => {
          throw new scim.ScimError(401, "The SCIM token is missing, invalid, revoked or not valid for this enterprise.");
        });
        endResponse(await route(request, url, caller));
      } catch (error) {
        if (error instanceof scim.ScimError) {
          endResponse(errorResponse(error));
          return;
        }
        log.error({ err: error, path: url.pathname }, "unexpected error in a SCIM route");
        endResponse(errorResponse(new scim.ScimError(500, "Something went wrong on our side. Retry in a moment.")));
      }
    },
  };
}
