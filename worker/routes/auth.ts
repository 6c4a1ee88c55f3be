import { AccountExistsError, createUser, findUsersByLogin } from "@collab/db";
import { AuthResponse, colorFor, ErrorCode, LoginRequest, MeResponse, RegisterRequest, newDocId } from "@collab/protocol";
import { createRoute } from "@hono/zod-openapi";
import type { UserRow } from "@collab/db";
import { DECOY_HASH, hashPassword, verifyPassword } from "../auth/password.ts";
import { limitLogin, limitRegistration, loginFailed } from "../auth/rate-limit.ts";
import { endSession, requireUser, startSession } from "../auth/session.ts";
import { ApiError } from "../errors.ts";
import { errors, json, jsonBody, noContent, router } from "./openapi.ts";

const tags = ["auth"];

export function toUser(row: UserRow) {
  return { id: row.id, username: row.username, email: row.email, displayName: row.displayName, color: colorFor(row.id).color };
}

export const authRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/auth/register",
      tags,
      summary: "Create an account and sign in",
      request: jsonBody(RegisterRequest),
      responses: {
        201: json(AuthResponse, "Signed in; the token is also set as an HttpOnly cookie"),
        ...errors(400, 409, 413, 429),
      },
    }),
    async (c) => {
      const input = c.req.valid("json");
      await limitRegistration(c);
      let user: UserRow;
      try {
        user = await createUser(c.var.db, {
          id: newDocId(),
          username: input.username,
          email: input.email,
          displayName: input.displayName ?? input.username,
          passwordHash: await hashPassword(input.password),
        });
      } catch (error) {
        // Only a username can be taken; an email already in use is accepted like any other, so this answer
        // never tells whether an address has an account.
        if (error instanceof AccountExistsError) {
          throw new ApiError(409, ErrorCode.Conflict, error.message, { details: { fields: { [`body.${error.field}`]: [error.message] } } });
        }
        throw error;
      }
      const session = await startSession(c, user);
      return c.json({ user: toUser(user), token: session.token, expiresAt: session.expiresAt.toISOString() }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/auth/login",
      tags,
      summary: "Sign in with username or email",
      request: jsonBody(LoginRequest),
      responses: { 200: json(AuthResponse, "Signed in"), ...errors(400, 401, 429) },
    }),
    async (c) => {
      const { login, password } = c.req.valid("json");
      await limitLogin(c, login);
      // An email may name a few accounts (emails are not unique); the password says which. Unknown names are
      // checked against a decoy: the same work, the same answer.
      const candidates = await findUsersByLogin(c.var.db, login.toLowerCase());
      let user: UserRow | undefined;
      for (const candidate of candidates) {
        if (await verifyPassword(password, candidate.passwordHash)) {
          user = candidate;
          break;
        }
      }
      if (candidates.length === 0) await verifyPassword(password, DECOY_HASH);
      if (!user) {
        await loginFailed(c, login);
        throw new ApiError(401, ErrorCode.InvalidCredentials, "Wrong username/email or password");
      }
      const session = await startSession(c, user);
      return c.json({ user: toUser(user), token: session.token, expiresAt: session.expiresAt.toISOString() }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/auth/logout",
      tags,
      summary: "End this session (the token stops working everywhere)",
      middleware: [requireUser],
      responses: { 204: noContent, ...errors(401) },
    }),
    async (c) => {
      await endSession(c);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/auth/me",
      tags,
      summary: "The signed-in user",
      middleware: [requireUser],
      responses: { 200: json(MeResponse, "The user"), ...errors(401) },
    }),
    (c) => c.json({ user: toUser(c.var.user) }, 200),
  );
