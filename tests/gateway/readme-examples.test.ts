import { readFileSync } from "node:fs";
import path from "node:path";
import { parse, validate } from "graphql";
import { describe, expect, it } from "vitest";
import { schema } from "../../apps/gateway/src/schema/index";

const readme = readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8");
const blocks = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((match) => match[1]!);

describe("README", () => {
  it("has GraphQL examples", () => {
    expect(blocks.length).toBeGreaterThanOrEqual(3);
  });
  // Each block may hold several operations (one per line group); each must be valid against the served schema.
  blocks.forEach((block, index) => {
    it(`example ${index + 1} is valid against the schema`, () => {
      const operations = block
        .split(/\n(?=#|\{|mutation|query)/)
        .map((part) => part.replace(/^#.*$/gm, "").trim())
        .filter((part) => part.length > 0);
      for (const operation of operations) {
        const errors = validate(schema, parse(operation));
        expect(errors.map((error) => error.message), operation).toEqual([]);
      }
    });
  });
});
