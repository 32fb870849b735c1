import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import path from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { negotiateEncoding } from "../../apps/gateway/src/http/dashboard";
import { DASHBOARD_DIST } from "../kit/dashboard";
import { startTestGateway, type TestGateway } from "../kit/gateway";

// The dashboard's assets go over the wire compressed: the build writes brotli and gzip copies next to each hashed
// asset, and the gateway sends the best one the request's Accept-Encoding allows (nothing compressed per request).

let kit: TestGateway;
let script: string;
let original: Buffer;

beforeAll(async () => {
  kit = await startTestGateway({ TRUSTED_DOCUMENTS: "cookie" });
  const html = readFileSync(path.join(DASHBOARD_DIST, "public", "index.html"), "utf8");
  script = /<script type="module"[^>]* src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
  original = readFileSync(path.join(DASHBOARD_DIST, "public", script));
});
afterAll(async () => {
  await kit?.close();
});

async function asset(acceptEncoding: string | null, method = "GET") {
  const response = await kit.fetch(script, { method, headers: acceptEncoding === null ? {} : { "accept-encoding": acceptEncoding } });
  return { response, body: Buffer.from(await response.arrayBuffer()) };
}

/** Raw HTTP, so that neither the client nor a URL parser decodes, decompresses or normalises anything. */
function rawGet(baseUrl: string, rawPath: string, headers: Record<string, string> = {}) {
  const { hostname, port } = new URL(baseUrl);
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
    const req = httpRequest({ hostname, port, path: rawPath, method: "GET", headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

describe("the dashboard's assets, compressed by the build", () => {
  it("a browser that accepts brotli gets the brotli copy, which decompresses to the script; long immutable cache, Vary: Accept-Encoding", async () => {
    const { response, body } = await asset("gzip, deflate, br, zstd");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-encoding")).toBe("br");
    expect(response.headers.get("vary")).toBe("accept-encoding");
    expect(response.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(Number(response.headers.get("content-length"))).toBe(body.length);
    expect(body.length).toBeLessThan(original.length / 3);
    expect(brotliDecompressSync(body).equals(original)).toBe(true);
  });

  it("gzip only: the gzip copy, which decompresses to the script", async () => {
    const { response, body } = await asset("gzip");
    expect(response.headers.get("content-encoding")).toBe("gzip");
    expect(response.headers.get("vary")).toBe("accept-encoding");
    expect(Number(response.headers.get("content-length"))).toBe(body.length);
    expect(gunzipSync(body).equals(original)).toBe(true);
  });

  it("no Accept-Encoding, or every coding refused: the script as built, still with Vary", async () => {
    for (const accept of [null, "identity", "br;q=0, gzip;q=0", "deflate"]) {
      const { response, body } = await asset(accept);
      expect(response.headers.get("content-encoding"), String(accept)).toBeNull();
      expect(response.headers.get("vary"), String(accept)).toBe("accept-encoding");
      expect(Number(response.headers.get("content-length")), String(accept)).toBe(original.length);
      expect(body.equals(original), String(accept)).toBe(true);
    }
  });

  it("q-values decide: a preferred gzip wins over brotli, `*` accepts brotli, HEAD announces the chosen copy's length", async () => {
    expect((await asset("br;q=0.5, gzip")).response.headers.get("content-encoding")).toBe("gzip");
    expect((await asset("*")).response.headers.get("content-encoding")).toBe("br");
    const { body: brotli } = await asset("br");
    const head = await asset("br", "HEAD");
    expect(head.response.headers.get("content-encoding")).toBe("br");
    expect(Number(head.response.headers.get("content-length"))).toBe(brotli.length);
    expect(head.body.length).toBe(0);
  });

  it("the page itself (a few hundred bytes, never cached) is sent as it is", async () => {
    const response = await kit.fetch("/admin", { headers: { "accept-encoding": "br, gzip" } });
    expect(response.headers.get("content-encoding")).toBeNull();
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.text()).toContain('<div id="root"></div>');
  });

  it("negotiation follows RFC 9110: highest q above 0, the smaller copy on a tie, identity unless refused", () => {
    expect(negotiateEncoding("gzip, br", ["br", "gzip"])).toBe("br");
    expect(negotiateEncoding("GZIP;Q=0.8, BR;q=0.9", ["br", "gzip"])).toBe("br");
    expect(negotiateEncoding("br", ["gzip"])).toBe("identity");
    expect(negotiateEncoding("identity;q=1, gzip;q=0.5", ["br", "gzip"])).toBe("identity");
    expect(negotiateEncoding("*;q=0, identity", ["br", "gzip"])).toBe("identity");
    expect(negotiateEncoding("gzip;q=bogus", ["br", "gzip"])).toBe("identity");
    expect(negotiateEncoding("", ["br", "gzip"])).toBe("identity");
  });

  it("over the wire: the compressed bytes with their length; the copies are not addressable and no path leaves the build", async () => {
    const baseUrl = await kit.listen();
    const wire = await rawGet(baseUrl, script, { "accept-encoding": "br" });
    expect(wire.status).toBe(200);
    expect(wire.headers["content-encoding"]).toBe("br");
    expect(wire.headers["vary"]).toBe("accept-encoding");
    expect(Number(wire.headers["content-length"])).toBe(wire.body.length);
    expect(brotliDecompressSync(wire.body).equals(original)).toBe(true);

    const refused = [
      `${script}.br`,
      `${script}.gz`,
      "/assets/../persisted-documents.json",
      "/assets/%2e%2e/persisted-documents.json",
      "/assets/..%2fpersisted-documents.json",
      "/assets/..%2f..%2f..%2fpackage.json",
      "/assets/%2e%2e%2f%2e%2e%2f%2e%2e%2fpackage.json",
      "/assets/....//....//package.json",
    ];
    for (const rawPath of refused) {
      const answer = await rawGet(baseUrl, rawPath, { "accept-encoding": "br, gzip" });
      expect(answer.status, rawPath).toBe(404);
      expect(answer.headers["content-encoding"], rawPath).toBeUndefined();
      expect(answer.body.toString("utf8"), rawPath).not.toMatch(/sha256:|"name":/);
    }
  });
});
