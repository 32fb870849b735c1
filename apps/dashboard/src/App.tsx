import { useEffect, useMemo, useRef } from "react";
import { useQuery } from "urql";
import { Link, Route, Switch, useLocation } from "wouter";
import { graphql } from "./gql";
import { SessionContext, type Session } from "./session";
import { ErrorNotice, Loading } from "./ui";
import { administers, viewerEnterprise } from "./viewer-enterprise";
import { Home } from "./screens/Home";
import { MyAccess } from "./screens/MyAccess";
import { MyTokens } from "./screens/MyTokens";
import { LinkAccount } from "./screens/LinkAccount";
import { DeleteAccount } from "./screens/DeleteAccount";
import { RecoveryPassword } from "./screens/RecoveryPassword";
import { Overview } from "./screens/Overview";
import { People } from "./screens/People";
import { Person } from "./screens/Person";
import { Invitations } from "./screens/Invitations";
import { Terminate } from "./screens/Terminate";
import { Audit } from "./screens/Audit";

export const SessionQuery = graphql(`
  query Session {
    viewer {
      id
      login
      name
      email
      kind
      organizations { key name enterprise { key name } }
      accessReview { enterprise { key name viewerPermissions } }
    }
  }
`);

/**
 * Whether to show the enterprise screens: the permissions the viewer holds on the enterprise, read from the server
 * (with the session when the enterprise is the access review's, so that an admin screen waits for no further round
 * trip; else by this query). The admin screens are shown to holders of Administer Enterprise only; each admin screen's
 * own query is also refused by the server for anyone else, and shows that refusal.
 */
const AdminAccessQuery = graphql(`
  query AdminAccess($enterpriseKey: String!) {
    enterprise(key: $enterpriseKey) {
      key
      viewerPermissions
    }
  }
`);

const USER_LINKS = [
  { href: "/", label: "Home" },
  { href: "/me/access", label: "My access" },
  { href: "/me/tokens", label: "My tokens" },
  { href: "/me/link", label: "Link DOP account" },
  { href: "/me/delete", label: "Delete DOP account" },
  { href: "/me/recovery", label: "Recovery password" },
];
const ADMIN_LINKS = [
  { href: "/admin", label: "Overview" },
  { href: "/admin/people", label: "People" },
  { href: "/admin/invitations", label: "Invitations" },
  { href: "/admin/terminate", label: "Terminate" },
  { href: "/admin/audit", label: "Audit" },
];

function NavLinks({ links, location }: { links: { href: string; label: string }[]; location: string }) {
  return (
    <ul>
      {links.map((link) => {
        const current = link.href === location || (link.href !== "/" && link.href !== "/admin" && location.startsWith(`${link.href}/`));
        return (
          <li key={link.href}>
            <Link href={link.href} aria-current={current ? "page" : undefined}>
              {link.label}
            </Link>
          </li>
        );
      })}
    </ul>
  );
}

function SignedOut() {
  return (
    <main id="main" className="signed-out">
      <h1>You are not signed in</h1>
      <p>
        <a href="/login/sso">Sign in with single sign-on</a>, or use the GraphQL API at <a href="/graphql">/graphql</a> with a personal access
        token.
      </p>
      <p>
        Enterprise administrator locked out by an identity provider outage? <a href="/login/recovery">Sign in with your recovery password</a>.
      </p>
    </main>
  );
}

export function App() {
  const [location] = useLocation();
  const [{ data, error, fetching }] = useQuery({ query: SessionQuery, requestPolicy: "cache-first" });
  const viewer = data?.viewer ?? null;
  const { enterprise, permissions: reviewedPermissions } = viewerEnterprise(viewer);
  const [admin] = useQuery({
    query: AdminAccessQuery,
    variables: { enterpriseKey: enterprise?.key ?? "" },
    pause: !enterprise || reviewedPermissions !== null,
    requestPolicy: "cache-first",
  });
  const permissions =
    reviewedPermissions ?? (admin.fetching || (!admin.data && !admin.error) ? null : (admin.data?.enterprise?.viewerPermissions ?? []));
  const isAdmin = !enterprise ? false : permissions === null ? null : administers(permissions);
  const session = useMemo<Session | null>(
    () => (viewer ? { viewer, enterprise: enterprise ? { key: enterprise.key, name: enterprise.name } : null, isAdmin } : null),
    [viewer, enterprise, isAdmin],
  );

  // A screen change moves focus to its heading, as a page load would (keyboard and screen reader users).
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.querySelector("h1")?.focus();
  }, [location]);

  if (fetching && !data) {
    return (
      <main id="main">
        <Loading label="Loading your session…" />
      </main>
    );
  }
  if (error && !data) {
    return (
      <main id="main">
        <h1>sso-cutover</h1>
        <ErrorNotice error={error} />
        <p>
          <a href="/login/sso">Sign in with single sign-on</a>
        </p>
      </main>
    );
  }
  if (!session) return <SignedOut />;

  return (
    <SessionContext.Provider value={session}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">sso-cutover</span>
        <span className="who">
          {session.viewer.login}
          {session.enterprise ? ` · ${session.enterprise.name}` : ""}
        </span>
        <form method="post" action="/logout">
          <button type="submit" className="secondary">
            Sign out
          </button>
        </form>
      </header>
      <div className="layout">
        <nav aria-label="Dashboard">
          <h2>You</h2>
          <NavLinks links={USER_LINKS} location={location} />
          {session.isAdmin ? (
            <>
              <h2>Enterprise</h2>
              <NavLinks links={ADMIN_LINKS} location={location} />
            </>
          ) : null}
        </nav>
        <main id="main" ref={main}>
          <Switch>
            <Route path="/" component={Home} />
            <Route path="/me/access" component={MyAccess} />
            <Route path="/me/tokens" component={MyTokens} />
            <Route path="/me/link" component={LinkAccount} />
            <Route path="/me/delete" component={DeleteAccount} />
            <Route path="/me/recovery" component={RecoveryPassword} />
            <Route path="/admin" component={Overview} />
            <Route path="/admin/people" component={People} />
            <Route path="/admin/people/:login" component={Person} />
            <Route path="/admin/invitations" component={Invitations} />
            <Route path="/admin/terminate" component={Terminate} />
            <Route path="/admin/audit" component={Audit} />
            <Route>
              <h1 tabIndex={-1}>Not found</h1>
              <p>
                No screen at this address. <Link href="/">Home</Link>
              </p>
            </Route>
          </Switch>
        </main>
      </div>
    </SessionContext.Provider>
  );
}
