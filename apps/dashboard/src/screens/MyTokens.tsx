import { useQuery } from "urql";
import { graphql } from "../gql";
import { Badge, Empty, ErrorNotice, formatDate, Loading } from "../ui";
import { TokenGuidanceView } from "./access";

export const MyTokensQuery = graphql(`
  query MyTokens {
    viewer {
      id
      tokens { id name display kind status lastUsedAt expiresAt }
      tokenGuidance { ...TokenGuidanceFields }
    }
  }
`);

export function MyTokens() {
  const [{ data, error, fetching }] = useQuery({ query: MyTokensQuery });
  const viewer = data?.viewer;
  return (
    <>
      <h1 tabIndex={-1}>Your tokens</h1>
      <ErrorNotice error={error} />
      {fetching && !data ? <Loading rows={4} /> : null}
      {viewer ? (
        <>
          <h2>Tokens of this account</h2>
          {!viewer.tokens || viewer.tokens.length === 0 ? (
            <Empty>This account has no personal access token.</Empty>
          ) : (
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">Your personal access tokens</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Token</th>
                    <th scope="col">Status</th>
                    <th scope="col">Last used</th>
                    <th scope="col">Expires</th>
                  </tr>
                </thead>
                <tbody>
                  {viewer.tokens.map((token) => (
                    <tr key={token.id}>
                      <th scope="row">{token.name}</th>
                      <td>
                        <code>{token.display}</code>
                      </td>
                      <td>
                        <Badge value={token.status} />
                      </td>
                      <td>{formatDate(token.lastUsedAt)}</td>
                      <td>{formatDate(token.expiresAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <h2>What breaks at the cutover</h2>
          {viewer.tokenGuidance ? <TokenGuidanceView guidance={viewer.tokenGuidance} /> : <Empty>No DOP account of yours is in the enterprise.</Empty>}
        </>
      ) : null}
    </>
  );
}
