import type { ReactNode } from "react";
import { useSession } from "../session";
import { Loading, Refused } from "../ui";

/** Admin screens answer only for holders of Administer Enterprise; anyone else is told why, not shown an empty page. */
export function AdminOnly({ title, children }: { title: string; children: (enterpriseKey: string) => ReactNode }) {
  const session = useSession();
  if (!session.enterprise) {
    return (
      <>
        <h1 tabIndex={-1}>{title}</h1>
        <Refused>
          <p>You are not a member of any enterprise yet, so there is nothing to administer.</p>
        </Refused>
      </>
    );
  }
  if (session.isAdmin === null) {
    return (
      <>
        <h1 tabIndex={-1}>{title}</h1>
        <Loading />
      </>
    );
  }
  if (!session.isAdmin) {
    return (
      <>
        <h1 tabIndex={-1}>{title}</h1>
        <Refused>
          <p>
            This screen is for enterprise administrators: <code>{session.viewer.login}</code> does not hold Administer Enterprise in{" "}
            {session.enterprise.name}. Ask an enterprise administrator to grant it (Terminate → Administer Enterprise).
          </p>
        </Refused>
      </>
    );
  }
  return <>{children(session.enterprise.key)}</>;
}
