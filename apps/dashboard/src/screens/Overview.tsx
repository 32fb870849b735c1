import { useQuery } from "urql";
import { Link } from "wouter";
import { graphql } from "../gql";
import { Badge, CopyButton, Empty, ErrorNotice, formatDate, Loading } from "../ui";
import { AdminOnly } from "./AdminOnly";

const OverviewQuery = graphql(`
  query Overview($enterpriseKey: String!) {
    enterprise(key: $enterpriseKey) {
      id
      key
      name
      oneClickAccessLink
      inviteLink
      setupProgress {
        steps { step status blockers warnings completed total }
        counts {
          organizations
          dopAccounts
          linkedDopAccounts
          dopAccountsToRemove
          ssoAccounts
          enterpriseAdministrators
          ssoEnterpriseAdministrators
          breakGlassAccounts
          pendingInvitations
          acceptedInvitations
          removedWithoutSso
        }
      }
      ssoConnection {
        id
        status
        provisioning
        idpEntityId
        idpSsoUrl
        spEntityId
        acsUrl
        metadataUrl
        idpCertificates { fingerprintSha256 subject notBefore notAfter expired }
      }
    }
  }
`);

const STEP_TITLES: Record<string, { title: string; href: string }> = {
  CONFIGURE_ONE_CLICK_ACCESS: { title: "1. Configure one-click access", href: "/admin" },
  INVITE_USERS: { title: "2. Invite users", href: "/admin/invitations" },
  TERMINATE: { title: "3. Terminate DOP accounts", href: "/admin/terminate" },
};

const COUNT_LABELS: [string, string][] = [
  ["organizations", "Organizations"],
  ["dopAccounts", "DOP accounts"],
  ["linkedDopAccounts", "Linked DOP accounts"],
  ["dopAccountsToRemove", "DOP accounts to remove"],
  ["ssoAccounts", "SSO accounts"],
  ["enterpriseAdministrators", "Enterprise administrators"],
  ["ssoEnterpriseAdministrators", "SSO enterprise administrators"],
  ["breakGlassAccounts", "Break-glass accounts"],
  ["pendingInvitations", "Pending invitations"],
  ["acceptedInvitations", "Accepted invitations"],
  ["removedWithoutSso", "Removed without SSO"],
];

function LinkRow({ label, value }: { label: string; value: string | null | undefined }) {
  return (
    <div className="link-row">
      <span className="link-label">{label}</span>
      {value ? (
        <>
          <code className="link-value">{value}</code>
          <CopyButton text={value} label={`Copy ${label.toLowerCase()}`} />
        </>
      ) : (
        <span>none while the SSO connection is not active</span>
      )}
    </div>
  );
}

function OverviewContent({ enterpriseKey }: { enterpriseKey: string }) {
  const [{ data, error, fetching }] = useQuery({ query: OverviewQuery, variables: { enterpriseKey } });
  const enterprise = data?.enterprise;
  return (
    <>
      <h1 tabIndex={-1}>Overview{enterprise ? `: ${enterprise.name}` : ""}</h1>
      <ErrorNotice error={error} />
      {fetching && !data ? <Loading rows={6} /> : null}
      {enterprise ? (
        <>
          <section aria-labelledby="steps-heading">
            <h2 id="steps-heading">The three steps</h2>
            <ol className="steps">
              {enterprise.setupProgress.steps.map((step) => (
                <li key={step.step} className="step">
                  <div className="step-head">
                    <Link href={STEP_TITLES[step.step]?.href ?? "/admin"}>{STEP_TITLES[step.step]?.title ?? step.step}</Link>
                    <Badge value={step.status} />
                    <span className="count">
                      {step.completed} / {step.total}
                    </span>
                  </div>
                  {step.blockers.length ? (
                    <>
                      <h3>Blockers</h3>
                      <ul className="blockers">
                        {step.blockers.map((blocker) => (
                          <li key={blocker}>{blocker}</li>
                        ))}
                      </ul>
                    </>
                  ) : null}
                  {step.warnings.length ? (
                    <>
                      <h3>Warnings</h3>
                      <ul className="warnings">
                        {step.warnings.map((warning) => (
                          <li key={warning}>{warning}</li>
                        ))}
                      </ul>
                    </>
                  ) : null}
                </li>
              ))}
            </ol>
          </section>
          <section aria-labelledby="links-heading">
            <h2 id="links-heading">Links to hand out</h2>
            <LinkRow label="One-click link" value={enterprise.oneClickAccessLink} />
            <LinkRow label="Invite link" value={enterprise.inviteLink} />
          </section>
          <section aria-labelledby="counts-heading">
            <h2 id="counts-heading">Counts</h2>
            <dl className="counts">
              {COUNT_LABELS.map(([key, label]) => (
                <div key={key}>
                  <dt>{label}</dt>
                  <dd>{enterprise.setupProgress.counts[key as keyof typeof enterprise.setupProgress.counts]}</dd>
                </div>
              ))}
            </dl>
          </section>
          <section aria-labelledby="sso-heading">
            <h2 id="sso-heading">SSO connection</h2>
            {enterprise.ssoConnection ? (
              <>
                <dl className="facts">
                  <dt>Status</dt>
                  <dd>
                    <Badge value={enterprise.ssoConnection.status} />
                  </dd>
                  <dt>Provisioning</dt>
                  <dd>{enterprise.ssoConnection.provisioning}</dd>
                  <dt>IdP entity id</dt>
                  <dd>
                    <code>{enterprise.ssoConnection.idpEntityId}</code>
                  </dd>
                  <dt>IdP SSO URL</dt>
                  <dd>
                    <code>{enterprise.ssoConnection.idpSsoUrl}</code>
                  </dd>
                </dl>
                <h3>Paste into your IdP</h3>
                <LinkRow label="SP entity id" value={enterprise.ssoConnection.spEntityId} />
                <LinkRow label="ACS URL" value={enterprise.ssoConnection.acsUrl} />
                <LinkRow label="Metadata URL" value={enterprise.ssoConnection.metadataUrl} />
                <h3>IdP signing certificates</h3>
                <div className="table-wrap">
                  <table>
                    <caption className="visually-hidden">Trusted IdP certificates</caption>
                    <thead>
                      <tr>
                        <th scope="col">Subject</th>
                        <th scope="col">SHA-256 fingerprint</th>
                        <th scope="col">Valid until</th>
                        <th scope="col">Status</th>
                      </tr>
                    </thead>
                    <tbody>
                      {enterprise.ssoConnection.idpCertificates.map((certificate) => (
                        <tr key={certificate.fingerprintSha256}>
                          <th scope="row">{certificate.subject}</th>
                          <td>
                            <code className="wrap">{certificate.fingerprintSha256}</code>
                          </td>
                          <td>{formatDate(certificate.notAfter)}</td>
                          <td>
                            <Badge value={certificate.expired ? "EXPIRED" : "ACTIVE"} />
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              </>
            ) : (
              <Empty>No SSO connection yet: configure it with configureSsoConnection (README, “Configure SSO”).</Empty>
            )}
          </section>
        </>
      ) : data ? (
        <Empty>This enterprise is not visible to you.</Empty>
      ) : null}
    </>
  );
}

export function Overview() {
  return <AdminOnly title="Overview">{(enterpriseKey) => <OverviewContent enterpriseKey={enterpriseKey} />}</AdminOnly>;
}
