import type { FieldErrors } from "./api/index.ts";

/** The part of a zod validation error a form needs. */
export interface ValidationIssue {
  path: readonly PropertyKey[];
  message: string;
}

/**
 * A schema's issues as {@link FieldErrors}, keyed like the worker's (`email`, `""` for the whole value), so
 * the page shows its own checks and the server's the same way. The first message per field is enough when
 * the user fixes one thing at a time, but all are kept.
 */
export function fieldErrorsFromIssues(issues: readonly ValidationIssue[]): FieldErrors {
  const fields: FieldErrors = {};
  for (const issue of issues) {
    const name = issue.path.map(String).join(".");
    const messages = (fields[name] ??= []);
    if (!messages.includes(issue.message)) messages.push(issue.message);
  }
  return fields;
}
