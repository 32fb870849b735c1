// The reference the benchmark compares with: graphql-yoga with its defaults, one trivial field, no plugins, on
// node:http like the gateway. Listens on PORT and prints "listening" once it does.
import { createServer } from "node:http";
import { createSchema, createYoga } from "graphql-yoga";

const yoga = createYoga({
  schema: createSchema({ typeDefs: "type Query { hello: String }", resolvers: { Query: { hello: () => "world" } } }),
  logging: false,
  landingPage: false,
});
createServer(yoga).listen(Number(process.env.PORT ?? 0), "127.0.0.1", function () {
  console.log(`listening ${this.address().port}`);
});
process.on("SIGTERM", () => process.exit(0));
