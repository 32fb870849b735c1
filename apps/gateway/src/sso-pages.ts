/** The few HTML pages of the SSO login flow: plain, self-contained, every dynamic value escaped. */

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · sso-cutover</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; color: #1f2328; }
h1 { font-size: 1.4rem; } code { background: #f3f4f6; padding: 0 .25rem; } .reason { color: #6b7280; font-size: .9rem; }
</style>
</head>
<body>
${body}
</body>
</html>
`;
}

/** `GET /login/sso` without a key: asks for the enterprise key. */
export function enterpriseKeyFormPage(): string {
  return page(
    "Sign in with SSO",
    `<h1>Sign in with single sign-on</h1>
<form method="get" action="/login/sso">
<label for="enterprise_key">Enterprise key</label>
<input id="enterprise_key" name="enterprise_key" required pattern="[a-z0-9\\-]{2,64}" autocomplete="organization">
<button type="submit">Continue</button>
</form>
<p>Your enterprise administrator can give you the key, or the one-click login link that contains it.</p>`,
  );
}

/** A page that says what went wrong and offers to start a login again. */
export function errorPage(heading: string, message: string): string {
  return page(heading, `<h1>${escapeHtml(heading)}</h1>\n<p>${escapeHtml(message)}</p>\n<p><a href="/login/sso">Sign in with single sign-on</a></p>`);
}

/** Unknown enterprise, or SSO not active for it. */
export function notFoundPage(message: string): string {
  return errorPage("Single sign-on is not available", message);
}

/** A SAML login refused: the reason in words, and where to start again. */
export function loginRefusedPage({ message, reason, loginUrl }: { message: string; reason: string; loginUrl: string }): string {
  return page(
    "Sign-in refused",
    `<h1>Sign-in refused</h1>
<p>${escapeHtml(message)}</p>
<p><a href="${escapeHtml(loginUrl)}">${escapeHtml(loginUrl)}</a></p>
<p class="reason">Reason: <code>${escapeHtml(reason)}</code></p>`,
  );
}

export interface LandingAccount {
  login: string;
  name: string;
  email: string | null;
  organizations: { key: string; name: string }[];
}

/** Where a login lands when it has no RelayState: the account, its organizations, its access review. */
export function landingPage(account: LandingAccount, accessReviewUrl: string): string {
  const organizations =
    account.organizations.length === 0
      ? "<p>You are not a member of any organization yet: your identity provider's groups name none of the enterprise's groups.</p>"
      : `<ul>\n${account.organizations
          .map((organization) => `<li>${escapeHtml(organization.name)} (<code>${escapeHtml(organization.key)}</code>)</li>`)
          .join("\n")}\n</ul>`;
  return page(
    "Signed in",
    `<h1>Signed in as ${escapeHtml(account.name)}</h1>
<p>Login <code>${escapeHtml(account.login)}</code>${account.email ? `, email ${escapeHtml(account.email)}` : ""}.</p>
<h2>Your organizations</h2>
${organizations}
<p><a href="${escapeHtml(accessReviewUrl)}">Review your access</a></p>
<form method="post" action="/logout"><button type="submit">Sign out</button></form>`,
  );
}

/** `GET /` without a session. */
export function signedOutPage(): string {
  return page(
    "sso-cutover",
    `<h1>You are not signed in</h1>\n<p><a href="/login/sso">Sign in with single sign-on</a>, or use the GraphQL API at <a href="/graphql">/graphql</a> with a personal access token.</p>`,
  );
}
