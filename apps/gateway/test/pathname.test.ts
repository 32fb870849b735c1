import { describe, expect, it } from "vitest";
import { pathnameOf } from "../src/http/pathname";

describe("the path response hooks read (security headers and metrics of /graphql)", () => {
  it("is the path WHATWG URL parsing gives, for the URLs the server adapter builds", () => {
    for (const url of [
      "http://localhost:4000/graphql",
      "http://localhost:4000/graphql?query=%7B__typename%7D",
      "https://sso.example.com/graphql#fragment",
      "http://127.0.0.1:4000/saml/acs/acme?x=/graphql",
      "http://[::1]:4000/",
      "http://localhost:4000",
      "http://localhost:4000/graphql/",
      "http://localhost:4000/?next=/graphql",
    ]) {
      expect(pathnameOf(url), url).toBe(new URL(url).pathname);
    }
  });
});
