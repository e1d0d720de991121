import { createContext, useContext } from "react";
import type { Api } from "./api";
import type { Capabilities } from "./roles";
import type { Me } from "./types";

/** The signed-in person: their API client, who they are, what they may do. */
export interface Session {
  api: Api;
  me: Me;
  can: Capabilities;
  /** Says what just happened on the page `path` leads to. */
  announce: (path: string, message: string) => void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const value = useContext(SessionContext);
  if (!value) throw new Error("useSession outside SessionContext");
  return value;
}
