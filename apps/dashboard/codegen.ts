import type { CodegenConfig } from "@graphql-codegen/cli";
import { addTypenameSelectionDocumentTransform, preset as clientPreset } from "@graphql-codegen/client-preset";

/**
 * Every GraphQL document of the dashboard is written with `graphql(…)` in src/ and typed from the committed contract
 * (apps/gateway/schema.graphql). Generation validates each document against that schema, so a document that no
 * longer matches fails the build and the type-check. Each document is also written to the persisted-documents
 * manifest, by SHA-256 hash: the gateway runs only those for the session cookie (TRUSTED_DOCUMENTS=cookie).
 */
const config: CodegenConfig = {
  schema: "../gateway/schema.graphql",
  documents: ["src/**/*.tsx", "src/**/*.ts", "!src/gql/**"],
  ignoreNoDocuments: false,
  errorsOnly: true,
  generates: {
    "src/gql/": {
      preset: clientPreset,
      // urql's document cache reads __typename: persisted documents carry it, as the client would add it.
      documentTransforms: [addTypenameSelectionDocumentTransform],
      presetConfig: {
        fragmentMasking: false,
        persistedDocuments: { mode: "embedHashInDocument", hashAlgorithm: "sha256" },
      },
      config: {
        enumsAsTypes: true,
        useTypeImports: true,
        scalars: { DateTime: "string", JSON: "unknown" },
      },
    },
  },
};

export default config;
