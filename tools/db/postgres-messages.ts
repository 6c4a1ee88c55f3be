/**
 * Postgres frontend framing for tests: the untyped messages of the start (length, code, body) and the typed
 * ones after it (type byte, length, body).
 */
export function untyped(code: number, body: Uint8Array = new Uint8Array(0)): Buffer {
  const message = Buffer.alloc(8 + body.length);
  message.writeInt32BE(message.length, 0);
  message.writeInt32BE(code, 4);
  message.set(body, 8);
  return message;
}

export function typed(type: string, body: Uint8Array = new Uint8Array(0)): Buffer {
  const message = Buffer.alloc(5 + body.length);
  message.write(type, 0, "latin1");
  message.writeInt32BE(4 + body.length, 1);
  message.set(body, 5);
  return message;
}

/** Protocol 3.0's StartupMessage code. */
export const STARTUP_CODE = 196608;
