import { graphql } from "../gql";
import type { AccessReviewFieldsFragment, TokenGuidanceFieldsFragment } from "../gql/graphql";
import { Badge, Empty, formatDate } from "../ui";

export const AccessReviewFields = graphql(`
  fragment AccessReviewFields on AccessReview {
    status
    enterprise { key name }
    devopsAccount { login }
    ssoAccount { login }
    organizations {
      status
      missingOnSso
      organization { key name }
      dop { member permissions }
      sso { member permissions }
    }
  }
`);

export const TokenGuidanceFields = graphql(`
  fragment TokenGuidanceFields on AccountTokenGuidance {
    ssoAccountCanCreateAnalysisTokens
    devopsAccount { login }
    ssoAccount { login }
    willBreak {
      display
      status
      lastUsedAt
      owner { login }
      affectedOrganizations { key }
      replacements { kind allProjects projectKeys reason organization { key } }
    }
    organizations {
      organization { key }
      canAnalyze
      canCreateAnalysisTokens
      recommendation { kind reason }
    }
  }
`);

function access(side: { member: boolean; permissions: readonly string[] }): string {
  if (!side.member) return "not a member";
  return side.permissions.length ? side.permissions.join(", ") : "member";
}

/** R4: per organization, what the DOP account has against what the SSO account has. */
export function AccessReviewTable({ review }: { review: AccessReviewFieldsFragment }) {
  return (
    <>
      <p>
        Overall: <Badge value={review.status} /> — DOP account <code>{review.devopsAccount?.login ?? "none linked"}</code>, SSO account{" "}
        <code>{review.ssoAccount?.login ?? "none yet"}</code>.
      </p>
      {review.organizations.length === 0 ? (
        <Empty>No organization of {review.enterprise.name} lists this person.</Empty>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Access per organization</caption>
            <thead>
              <tr>
                <th scope="col">Organization</th>
                <th scope="col">Status</th>
                <th scope="col">DOP account</th>
                <th scope="col">SSO account</th>
                <th scope="col">Missing on SSO</th>
              </tr>
            </thead>
            <tbody>
              {review.organizations.map((row) => (
                <tr key={row.organization.key}>
                  <th scope="row">
                    {row.organization.name} <code>{row.organization.key}</code>
                  </th>
                  <td>
                    <Badge value={row.status} />
                  </td>
                  <td>{access(row.dop)}</td>
                  <td>{access(row.sso)}</td>
                  <td>{row.missingOnSso.length ? row.missingOnSso.join(", ") : "nothing"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

/** R7: the DOP account's tokens that break, and what to create instead. */
export function TokenGuidanceView({ guidance }: { guidance: TokenGuidanceFieldsFragment }) {
  return (
    <>
      <p>
        {guidance.ssoAccountCanCreateAnalysisTokens
          ? "The SSO account can already create the analysis tokens that replace them."
          : "The SSO account cannot create every replacement yet: it needs SCAN (or ADMIN) where a token is used for analysis."}
      </p>
      {guidance.willBreak.length === 0 ? (
        <Empty>No token breaks with the cutover.</Empty>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Tokens that break</caption>
            <thead>
              <tr>
                <th scope="col">Token</th>
                <th scope="col">Owner</th>
                <th scope="col">Last used</th>
                <th scope="col">Organizations</th>
                <th scope="col">Create instead</th>
              </tr>
            </thead>
            <tbody>
              {guidance.willBreak.map((token) => (
                <tr key={token.display}>
                  <th scope="row">
                    <code>{token.display}</code> <Badge value={token.status} />
                  </th>
                  <td>{token.owner.login}</td>
                  <td>{formatDate(token.lastUsedAt)}</td>
                  <td>{token.affectedOrganizations.map((organization) => organization.key).join(", ")}</td>
                  <td>
                    {token.replacements.length === 0 ? (
                      "nothing: no analysis permission there"
                    ) : (
                      <ul className="plain">
                        {token.replacements.map((replacement) => (
                          <li key={`${replacement.organization.key}-${replacement.kind}`}>
                            <strong>{replacement.kind}</strong> in <code>{replacement.organization.key}</code>
                            {replacement.allProjects ? " (all projects)" : replacement.projectKeys.length ? ` (${replacement.projectKeys.join(", ")})` : ""}:{" "}
                            {replacement.reason}
                          </li>
                        ))}
                      </ul>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
