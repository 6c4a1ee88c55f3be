import { ApiError, type FieldErrors } from "./api/index.ts";
import { fieldErrorsFromIssues, type ValidationIssue } from "./field-errors.ts";

/** A contract schema, as far as a form uses it. */
export interface Validator {
  safeParse(input: unknown): { success: true } | { success: false; error: { issues: readonly ValidationIssue[] } };
}

/**
 * A form's submit cycle: check the values with the contract's schema (the same rules and messages the
 * worker applies), run the action, and keep what went wrong: per-field messages for the inputs and one
 * message for the form. `pending` disables the submit button meanwhile.
 *
 * @example
 * const form = new FormState((error) => session.handle(error));
 * await form.submit(LoginRequest, values, (input) => session.login(input));
 */
export class FormState {
  pending = $state(false);
  /** For the form as a whole: wrong credentials, rate limited, offline, ... */
  error = $state<string | undefined>();
  fields = $state.raw<FieldErrors>({});

  readonly #describe: (error: unknown) => string;

  constructor(describe: (error: unknown) => string) {
    this.#describe = describe;
  }

  /** Resolves true when `action` succeeded; false when validation or the action failed (the state says why). */
  async submit<T>(schema: Validator, values: T, action: (values: T) => Promise<void>): Promise<boolean> {
    if (this.pending) return false;
    const checked = schema.safeParse(values);
    if (!checked.success) {
      const fields = fieldErrorsFromIssues(checked.error.issues);
      this.fields = fields;
      this.error = fields[""]?.[0];
      return false;
    }
    this.pending = true;
    this.error = undefined;
    this.fields = {};
    try {
      await action(values);
      return true;
    } catch (error) {
      const message = this.#describe(error);
      const fields = error instanceof ApiError ? error.fields : {};
      this.fields = fields;
      // With field messages beside the inputs, a form-level "Some fields need attention." only repeats them.
      this.error = Object.keys(fields).some((name) => name !== "") ? undefined : message;
      return false;
    } finally {
      this.pending = false;
    }
  }

  /** The first message for a field, e.g. to show under its input. */
  fieldError(name: string): string | undefined {
    return this.fields[name]?.[0];
  }

  /** Forgets a field's message once the user edits it. */
  clearField(name: string): void {
    if (!(name in this.fields)) return;
    const { [name]: _removed, ...rest } = this.fields;
    this.fields = rest;
  }
}
