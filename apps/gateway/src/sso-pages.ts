/** The few HTML pages of the SSO login flow: plain, self-contained, every dynamic value escaped. `page` frames each. */

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

export function page(title: string, body: string): string {
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

/** Where an enterprise admin goes when single sign-on does not work (R17). */
const RECOVERY_LINK = `<p>Enterprise administrator locked out by an identity provider outage? <a href="/login/recovery">Sign in with your recovery password</a>.</p>`;

/** Unknown enterprise, or SSO not active for it. */
export function notFoundPage(message: string): string {
  return page(
    "Single sign-on is not available",
    `<h1>Single sign-on is not available</h1>\n<p>${escapeHtml(message)}</p>\n<p><a href="/login/sso">Sign in with single sign-on</a></p>\n${RECOVERY_LINK}`,
  );
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

export interface RecoveryFormState {
  enterpriseKey?: string;
  login?: string;
  /** What went wrong with the last submission, and the form field it is about (null: the whole sign-in). */
  error?: { message: string; field: "enterprise_key" | "login" | "password" | null } | null;
}

function recoveryField(
  state: RecoveryFormState,
  { name, label, type, maxLength, autocomplete, value, help }: {
    name: "enterprise_key" | "login" | "password";
    label: string;
    type: "text" | "password";
    maxLength: number;
    autocomplete: string;
    value: string;
    help: string;
  },
): string {
  const invalid = state.error?.field === name;
  const describedBy = [`${name}-help`, ...(invalid ? ["recovery-error"] : [])].join(" ");
  return `<p><label for="${name}">${escapeHtml(label)}</label><br>
<input id="${name}" name="${name}" type="${type}" required maxlength="${maxLength}" autocomplete="${autocomplete}" spellcheck="false" autocapitalize="none" value="${escapeHtml(value)}" aria-describedby="${describedBy}"${invalid ? ' aria-invalid="true" autofocus' : ""}><br>
<small id="${name}-help">${escapeHtml(help)}</small></p>`;
}

/**
 * `GET /login/recovery` (R17): enterprise key, login and recovery password, posted to the same origin. After a
 * refusal it shows the one refusal message and keeps what was typed except the password.
 */
export function recoveryFormPage(state: RecoveryFormState = {}): string {
  const error = state.error
    ? `<div id="recovery-error" role="alert"><p><strong>${escapeHtml(state.error.message)}</strong></p></div>\n`
    : "";
  return page(
    "Sign in with a recovery password",
    `<h1>Sign in with a recovery password</h1>
<p>For enterprise administrators when single sign-on does not work (identity provider down, SSO connection broken or deactivated). Use the recovery password you generated while signed in with SSO. It works once: generate a new one after signing in.</p>
${error}<form method="post" action="/login/recovery">
${recoveryField(state, { name: "enterprise_key", label: "Enterprise key", type: "text", maxLength: 64, autocomplete: "organization", value: state.enterpriseKey ?? "", help: "The key in your enterprise's one-click login link, e.g. acme." })}
${recoveryField(state, { name: "login", label: "Login", type: "text", maxLength: 255, autocomplete: "username", value: state.login ?? "", help: "Your SSO account's login (shown after you signed in with SSO), e.g. alice-acme." })}
${recoveryField(state, { name: "password", label: "Recovery password", type: "password", maxLength: 256, autocomplete: "current-password", value: "", help: "Six groups of five characters separated by dashes." })}
<button type="submit">Sign in</button>
</form>
<p><a href="/login/sso">Sign in with single sign-on instead</a></p>`,
  );
}
