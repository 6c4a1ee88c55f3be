import { z } from "zod";
import { ActiveUser } from "./documents.ts";

/**
 * The admin endpoints (`/api/admin/*`): an admin's session (a username in `ADMIN_USERS`) or the
 * `METRICS_TOKEN` as a Bearer token.
 */
export const AdminRoom = z.object({
  id: z.string(),
  /** Who is connected, from presence. */
  users: z.array(ActiveUser),
  /** The room's latest report (see room-metrics.ts), when it is live. */
  connections: z.number().optional(),
  snapshotAgeSeconds: z.number().optional(),
  documentBytes: z.number().optional(),
});
export type AdminRoom = z.infer<typeof AdminRoom>;

export const AdminRoomsResponse = z.object({ rooms: z.array(AdminRoom) });
export type AdminRoomsResponse = z.infer<typeof AdminRoomsResponse>;

export const AdminSnapshotResponse = z.object({ saved: z.literal(true) });
export type AdminSnapshotResponse = z.infer<typeof AdminSnapshotResponse>;

export const AdminCloseRequest = z.object({ reason: z.string().trim().min(1).max(120).optional() });
export type AdminCloseRequest = z.infer<typeof AdminCloseRequest>;

export const AdminCloseResponse = z.object({ closed: z.number().int().nonnegative() });
export type AdminCloseResponse = z.infer<typeof AdminCloseResponse>;
