import { randomUUID } from "node:crypto";

export const REQUEST_ID_HEADER = "x-request-id";

/**
 * A request id sent by the caller (or a proxy) is kept when it is an opaque token of at most 128 characters that
 * cannot break a log line or a header: letters, digits and `-_.:=+/`. Anything else is replaced by a new UUID.
 */
const WELL_FORMED_REQUEST_ID = /^[A-Za-z0-9\-_.:=+/]{1,128}$/;

/** The request's id: the one it was sent with when well-formed, else a new one. */
export function requestIdFrom(sent: string | string[] | null | undefined): string {
  return typeof sent === "string" && WELL_FORMED_REQUEST_ID.test(sent) ? sent : randomUUID();
}
