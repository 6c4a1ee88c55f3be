import { ROOM_TOKEN_ALGORITHM, ROOM_TOKEN_PARAM, ROOM_TOKEN_TTL_SECONDS, type Role, type RoomTokenClaims } from "@collab/protocol";
import { sign } from "hono/jwt";
import { sessionFor, signUp } from "../tools/testing/accounts.ts";

/**
 * Room tokens for simulated users. Two ways, both giving `Target.params`:
 * - `signingTokens(secret)`: the bench holds the room-token secret of a server it started itself (or your own
 *   stack's) and signs tokens exactly as the worker does, so the measurement is of the room, not the REST API;
 * - `apiTokens(workerUrl)`: a real account through the REST API, a document per room, a fresh token per
 *   (re)connect, as the web client does: what works against a deployment.
 */
export type TokenParams = (docId: string) => Promise<Record<string, string>>;

export function signingTokens(secret: string, role: Role = "editor"): TokenParams {
  let user = 0;
  return async (docId) => {
    const n = ++user;
    const iat = Math.floor(Date.now() / 1000);
    const claims: RoomTokenClaims = {
      sub: `bench-${role}-${n}`,
      doc: docId,
      role,
      name: `bench ${n}`,
      color: "#888888",
      sid: `bench-session-${n}`,
      iat,
      exp: iat + ROOM_TOKEN_TTL_SECONDS,
    };
    return { [ROOM_TOKEN_PARAM]: await sign(claims, secret, ROOM_TOKEN_ALGORITHM) };
  };
}

export interface ApiTokens {
  params: TokenParams;
  /** Creates a document owned by the bench user; rooms must be documents when tokens come from the API. */
  createDocument(): Promise<string>;
}

/** Signs up a fresh user (or uses `session`, a Bearer session token) at the worker. */
export async function apiTokens(workerUrl: string, session?: string): Promise<ApiTokens> {
  const user = session
    ? sessionFor(workerUrl, { id: "", username: "", displayName: "", token: session, ip: "127.0.0.1" })
    : await signUp(workerUrl, "loadtest");
  return {
    params: async (docId) => ({ [ROOM_TOKEN_PARAM]: await user.roomToken(docId) }),
    createDocument: () => user.createDocument({}),
  };
}
