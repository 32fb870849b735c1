import type { SessionQuery } from "./gql/graphql";

type Viewer = NonNullable<SessionQuery["viewer"]>;

/**
 * The enterprise the dashboard shows a person: the one of their access review, else the first one among their
 * organizations'. `permissions` are the viewer's there when the session already read them (the access review's
 * enterprise), else null: they are then asked for with a query of their own.
 */
export function viewerEnterprise(viewer: Viewer | null): { enterprise: { key: string; name: string } | null; permissions: readonly string[] | null } {
  const reviewed = viewer?.accessReview?.enterprise ?? null;
  if (reviewed) return { enterprise: reviewed, permissions: reviewed.viewerPermissions };
  return { enterprise: viewer?.organizations.find((organization) => organization.enterprise)?.enterprise ?? null, permissions: null };
}

/** Whether these enterprise permissions open the admin screens. */
export function administers(permissions: readonly string[]): boolean {
  return permissions.includes("ADMINISTER_ENTERPRISE");
}
