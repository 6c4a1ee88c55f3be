import { z } from "zod";

/**
 * Accounts: what a valid username, email, password and display name are, and what the API returns for a
 * user. Messages are written for people: the web client shows them as they are.
 */
export const Username = z
  .string()
  .trim()
  .min(3, "Username must be at least 3 characters")
  .max(32, "Username must be at most 32 characters")
  .regex(/^[a-zA-Z0-9_.-]+$/, "Username may contain only letters, digits, '_', '.' and '-'")
  .transform((value) => value.toLowerCase());

export const Email = z
  .string()
  .trim()
  .max(254, "Email must be at most 254 characters")
  .email("Email must be a valid address")
  .transform((value) => value.toLowerCase());

/** NIST 800-63B style: length over composition rules; a ceiling keeps hashing cheap to call. */
export const Password = z
  .string()
  .min(10, "Password must be at least 10 characters")
  .max(256, "Password must be at most 256 characters");

export const DisplayName = z
  .string()
  .trim()
  .min(1, "Display name must not be empty")
  .max(64, "Display name must be at most 64 characters")
  .refine((value) => !/[\u0000-\u001f\u007f]/.test(value), "Display name must not contain control characters");

export const RegisterRequest = z.object({
  username: Username,
  email: Email,
  password: Password,
  displayName: DisplayName.optional(),
});
export type RegisterRequest = z.input<typeof RegisterRequest>;

export const LoginRequest = z.object({
  /** Username or email. */
  login: z.string().trim().min(1, "Enter your username or email").max(254),
  password: z.string().min(1, "Enter your password").max(256),
});
export type LoginRequest = z.input<typeof LoginRequest>;

export const User = z.object({
  id: z.string(),
  username: z.string(),
  email: z.string(),
  displayName: z.string(),
  color: z.string(),
});
export type User = z.infer<typeof User>;

/** What register and login return. The same token is also set as an HttpOnly cookie for the browser. */
export const AuthResponse = z.object({
  user: User,
  /** Send as `Authorization: Bearer <token>` from API clients. */
  token: z.string(),
  expiresAt: z.string().datetime(),
});
export type AuthResponse = z.infer<typeof AuthResponse>;

export const MeResponse = z.object({ user: User });
export type MeResponse = z.infer<typeof MeResponse>;

/** The session cookie's name. */
export const SESSION_COOKIE = "collab_session";
