import { builder } from "../builder";

// Every field needs an authenticated account, except where a field opts out (`tokenInfo` admits any token).
builder.queryType({ authScopes: { account: true } });
builder.mutationType({ authScopes: { account: true } });
