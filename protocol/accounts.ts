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

/**
 * Characters a display name may not hold: a name is drawn as a cursor label and in people's lists, so it must
 * show what it is. Bidi controls (U+202A-202E, U+2066-2069, U+200E/200F, U+061C) reorder the text around them
 * ("Ada" that renders as someone else's name); invisible characters (U+200B-200D zero widths, U+2060 word
 * joiner, U+FEFF, U+180E, U+00AD soft hyphen, U+034F, Hangul fillers, tag characters U+E0000-E007F, a variation
 * selector alone) make two different names look the same. Only whitespace is an empty name.
 */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/u;
const INVISIBLES = /[\u200B-\u200D\u2060-\u2064\uFEFF\u180E\u00AD\u034F\u115F\u1160\u3164\uFFA0\u{E0000}-\u{E007F}]/u;
const CONTROLS = /[\u0000-\u001F\u007F-\u009F]/u;
/** A zero-width joiner between two emoji draws one emoji (👩‍💻, 🏳️‍🌈): visible, so allowed there and only there. */
const EMOJI_JOINER = /(?<=[\p{Extended_Pictographic}\p{Emoji_Modifier}]\uFE0F?)\u200D(?=\p{Extended_Pictographic})/gu;
/** Variation selectors only change the glyph before them; alone (or after a space) they are invisible. */
const LONE_VARIATION_SELECTOR = /(?:^|[\s\uFE00-\uFE0F\u{E0100}-\u{E01EF}])[\uFE00-\uFE0F\u{E0100}-\u{E01EF}]/u;

/**
 * Why a display name is refused, or undefined when it may be shown. The one rule for names, used by
 * {@link DisplayName} (registration and wherever a name is set).
 *
 * @example displayNameProblem("Ada\u202E") // "Display name must not contain direction controls (bidi)"
 */
export function displayNameProblem(value: string): string | undefined {
  if (CONTROLS.test(value)) return "Display name must not contain control characters";
  if (BIDI_CONTROLS.test(value)) return "Display name must not contain direction controls (bidi)";
  const visible = value.replace(EMOJI_JOINER, "");
  if (INVISIBLES.test(visible) || LONE_VARIATION_SELECTOR.test(visible)) return "Display name must not contain invisible characters";
  if (value.replace(/[\s\p{Z}]/gu, "") === "") return "Display name must not be empty";
  return undefined;
}

export const DisplayName = z
  .string()
  .max(256, "Display name must be at most 64 characters")
  // Checked before trim(): trim() drops U+FEFF at the ends, and a hidden character is refused, not quietly cut.
  .superRefine((value, ctx) => {
    const problem = displayNameProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem, continue: false });
  })
  .trim()
  .min(1, "Display name must not be empty")
  .max(64, "Display name must be at most 64 characters");

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
