import { createContext, useContext } from "react";

export interface Session {
  viewer: {
    id: string;
    login: string;
    name: string;
    email?: string | null;
    kind: "DEVOPS" | "SSO";
  };
  /** The enterprise the person belongs to (null: none yet). */
  enterprise: { key: string; name: string } | null;
  /** Holds Administer Enterprise there (the admin screens answer; null while that is being checked). */
  isAdmin: boolean | null;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside a signed-in page");
  return session;
}
