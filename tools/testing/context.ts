/**
 * What the global setup hands every test file through vitest's `provide`/`inject`.
 *
 * @example
 * import { inject } from "vitest";
 * const { partyUrl } = inject("stack");
 */
export interface StackUrls {
  /** The Vite dev server, proxying /api and /parties: what a browser opens. */
  webUrl: string;
  /** The worker (`wrangler dev`). */
  workerUrl: string;
  /** The party (`partykit dev`), e.g. http://127.0.0.1:1999. */
  partyUrl: string;
  /** `postgres://...` of the database the stack uses (embedded or DATABASE_URL). */
  databaseUrl: string;
  /** host:port of the WebSocket-to-TCP proxy in front of that database. */
  wsProxy: string;
  /** The stack's room-token secret, for suites that start a party of their own. */
  roomTokenSecret: string;
  /** INTERNAL_SECRET of the stack: the bearer credential of room commands and the presence lobby. */
  internalSecret: string;
  /** METRICS_TOKEN of the stack's worker (GET /api/metrics, admin endpoints). */
  metricsToken: string;
  /** ADMIN_USERS of the stack's worker: the test run registers this username to act as an admin. */
  adminUsers: string;
  /** The Upstash REST bridge in front of Redis, when the stack uses Redis for presence (REDIS_URL). */
  upstash?: { url: string; token: string } | undefined;
}

declare module "vitest" {
  export interface ProvidedContext {
    stack: StackUrls;
  }
}
