import { isIP } from "node:net";

/**
 * The network address a request comes from, as far as it can be believed: the socket's peer, or — behind
 * `trustProxyHops` reverse proxies that each append to `X-Forwarded-For` — the address the outermost trusted proxy
 * saw. With 0 hops (the default) the header is ignored, so a client cannot choose its own address (and so its own
 * rate-limit bucket) by sending one.
 */
export function clientAddress(request: Request, serverContext: unknown, trustProxyHops: number): string {
  const socket = (serverContext as { req?: { socket?: { remoteAddress?: string } } } | undefined)?.req?.socket;
  const peer = socket?.remoteAddress ?? "unknown";
  if (trustProxyHops <= 0) return peer;
  const forwarded = (request.headers.get("x-forwarded-for") ?? "")
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
  // The chain as the last trusted proxy received it: [...forwarded, peer]; the client is `hops` entries from the end.
  const chain = [...forwarded, peer];
  const candidate = chain[Math.max(0, chain.length - 1 - trustProxyHops)] ?? peer;
  return isIP(candidate) !== 0 ? candidate : peer;
}
