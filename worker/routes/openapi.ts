import { ErrorBody } from "@collab/protocol";
import { OpenAPIHono } from "@hono/zod-openapi";
import type { ZodType } from "zod";
import type { AppEnv } from "../context.ts";
import { validationHook } from "../errors.ts";

/** A router whose invalid requests all become the shared 400 body. */
export function router() {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
}

export const json = <T extends ZodType>(schema: T, description: string) => ({
  content: { "application/json": { schema } },
  description,
});

export const jsonBody = <T extends ZodType>(schema: T) => ({
  body: { content: { "application/json": { schema } }, required: true },
});

const DESCRIPTIONS = {
  400: "Invalid request: `details.fields` names each offending field",
  401: "No session, or an expired or revoked one",
  403: "Signed in, but the role is not enough",
  404: "Not found, or not visible to the caller",
  409: "Conflict: the username or email is taken",
  410: "The share link expired or was revoked",
  413: "Body over 1 MB",
  429: "Too many attempts; see Retry-After",
  503: "The document's room could not be reached",
} as const;

/** Error responses for the OpenAPI document; every one has the shared error body. */
export function errors<S extends keyof typeof DESCRIPTIONS>(...statuses: S[]): Record<S, ReturnType<typeof json<typeof ErrorBody>>> {
  return Object.fromEntries(statuses.map((status) => [status, json(ErrorBody, DESCRIPTIONS[status])])) as Record<S, ReturnType<typeof json<typeof ErrorBody>>>;
}

export const noContent = { description: "Done" } as const;
