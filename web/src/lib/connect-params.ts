import { CloseCode, ROOM_TOKEN_PARAM, type RoomTokenResponse } from "@collab/protocol";
import { ApiError, documents } from "./api/index.ts";

/**
 * The room said no before a socket was opened: the worker refused a room token. Carries the close code that
 * means the same thing, so the page shows one message whether access ended before or during a connection.
 * `Connection` treats it like a fatal close and stops reconnecting.
 */
export class ConnectRefused extends Error {
  override name = "ConnectRefused";
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

export interface RoomTokenOptions {
  /** Every token names the caller's current role; a 4409 reconnect is how a changed role arrives. */
  onToken?: (token: RoomTokenResponse) => void;
  /** The account session is gone (401): the page should send the person to sign in. */
  onUnauthorized?: () => void;
  /** For tests. */
  fetchToken?: (docId: string) => Promise<RoomTokenResponse>;
}

/**
 * Query parameters for every WebSocket (re)connect to a document's room: a fresh room token from
 * `POST /api/documents/:id/token` each time, so a reconnect never presents an expired token and a changed
 * role takes effect on the next connection. Browsers cannot set headers on a WebSocket, so the token travels
 * in the URL's query string (`?token=`), next to y-partykit's own `_pk` connection id.
 *
 * `Connection` calls the returned function before every attempt. A worker outage (any other failure)
 * rejects with the `ApiError`, and the attempt is retried with the usual backoff.
 *
 * @example
 * new Connection(docId, doc, { params: roomTokenParams(docId, { onToken: (t) => (role = t.role) }) });
 */
export function roomTokenParams(docId: string, options: RoomTokenOptions = {}): () => Promise<Record<string, string>> {
  const { onToken, onUnauthorized, fetchToken = documents.roomToken } = options;
  return async () => {
    let token: RoomTokenResponse;
    try {
      token = await fetchToken(docId);
    } catch (error) {
      throw refusal(error, onUnauthorized) ?? error;
    }
    onToken?.(token);
    return { [ROOM_TOKEN_PARAM]: token.token };
  };
}

function refusal(error: unknown, onUnauthorized: (() => void) | undefined): ConnectRefused | undefined {
  if (!(error instanceof ApiError)) return undefined;
  if (error.status === 403) return new ConnectRefused(CloseCode.Forbidden, error.message);
  if (error.status === 404) return new ConnectRefused(CloseCode.DocumentDeleted, error.message);
  if (error.status === 401) {
    onUnauthorized?.();
    return new ConnectRefused(CloseCode.Unauthorized, error.message);
  }
  return undefined;
}
