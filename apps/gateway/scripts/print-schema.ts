// Writes the schema to apps/gateway/schema.graphql (committed; a test fails when it is stale).
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { printSchema } from "graphql";
import { schema } from "../src/schema/index";

const target = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "schema.graphql");
writeFileSync(target, `${printSchema(schema)}\n`);
console.log(`wrote ${path.relative(process.cwd(), target)}`);
