import type { CodegenConfig } from '@graphql-codegen/cli';

// Operation types come from the server's schema files (the same ones gqlgen
// reads), so `make generate` needs no running server.
const config: CodegenConfig = {
  schema: ['../graph/schema/ent.graphql', '../graph/schema/calsync.graphqls'],
  documents: ['src/**/*.{ts,tsx}', '!src/gql/**/*'],
  ignoreNoDocuments: true,
  generates: {
    './src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: { unmaskFunctionName: 'getFragmentData' } },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: {
          ID: 'string',
          Time: 'string',
          Cursor: 'string',
          Map: 'Record<string, unknown>',
          Properties: 'Record<string, string>',
        },
      },
    },
  },
};

export default config;
