import { z } from "zod";
import { GrantableRole, RoleSchema, UserSummary } from "./documents.ts";

export const Member = z.object({ user: UserSummary, role: RoleSchema, createdAt: z.string().datetime() });
export type Member = z.infer<typeof Member>;
export const MemberList = z.object({ members: z.array(Member) });
export type MemberList = z.infer<typeof MemberList>;

export const InviteRequest = z.object({
  /** Username of an existing account (emails are never looked up for others: they would reveal accounts). */
  user: z.string().trim().min(1, "Enter a username").max(254),
  role: GrantableRole,
});
export type InviteRequest = z.input<typeof InviteRequest>;

export const UpdateMemberRequest = z.object({ role: GrantableRole });
export type UpdateMemberRequest = z.input<typeof UpdateMemberRequest>;

export const ShareLink = z.object({
  id: z.string(),
  role: GrantableRole,
  /** The secret part of the link: `/share/<token>`. Shown to the owner only. */
  token: z.string(),
  expiresAt: z.string().datetime().nullable(),
  createdAt: z.string().datetime(),
});
export type ShareLink = z.infer<typeof ShareLink>;
export const ShareLinkList = z.object({ links: z.array(ShareLink) });
export type ShareLinkList = z.infer<typeof ShareLinkList>;

export const CreateShareLinkRequest = z.object({
  role: GrantableRole,
  /** Hours until the link stops working; omitted: until revoked. */
  expiresInHours: z.number().int().min(1).max(24 * 365).optional(),
});
export type CreateShareLinkRequest = z.input<typeof CreateShareLinkRequest>;

/** What opening a share link grants (or the role the caller already had, if higher). */
export const AcceptShareLinkResponse = z.object({ documentId: z.string(), role: RoleSchema });
export type AcceptShareLinkResponse = z.infer<typeof AcceptShareLinkResponse>;

/** The web page of a share link. */
export function shareLinkPath(token: string): string {
  return `/share/${encodeURIComponent(token)}`;
}
