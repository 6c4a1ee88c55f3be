/**
 * Finds the Postgres Terminate message in a client-to-server byte stream without buffering it.
 *
 * Wire format (frontend messages, protocol 3.0):
 * - Until the startup completes, messages are untyped: int32 length (counting itself) + int32 code + rest.
 *   The code is the protocol version (196608) for a StartupMessage, or SSLRequest / GSSENCRequest, after
 *   which the client sends another untyped message once the server has answered, or CancelRequest.
 * - After a StartupMessage every message is typed: 1 type byte + int32 length (counting itself, not the
 *   type byte) + body. Terminate is type 'X' with length 4: bytes 58 00 00 00 04.
 *
 * The scanner keeps at most one 8-byte header across chunk boundaries and skips bodies by counting, so a
 * 1 MB bytea parameter costs one subtraction per chunk. It never inspects message contents.
 */

const UNTYPED_HEADER = 8;
const TYPED_HEADER = 5;
const TERMINATE = 0x58; // 'X'
// Untyped requests after which the client sends another untyped message (the real StartupMessage).
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

/** The bytes cannot be Postgres frontend messages; the server would reject them too. */
export class PostgresFramingError extends Error {
  override name = "PostgresFramingError";
}

export class TerminateScanner {
  #untyped = true;
  #header = new Uint8Array(UNTYPED_HEADER);
  #headerLength = 0;
  #bodyRemaining = 0;

  /**
   * Feeds the next chunk of the stream. Returns the offset just past a Terminate message ending in this
   * chunk (the bytes to forward), or -1 when the chunk holds none. Throws PostgresFramingError on a length
   * no valid message has.
   *
   * @example
   * const end = scanner.push(chunk);
   * if (end === -1) socket.write(chunk);
   * else socket.end(chunk.subarray(0, end));
   */
  push(chunk: Uint8Array): number {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.#bodyRemaining > 0) {
        const skipped = Math.min(this.#bodyRemaining, chunk.length - offset);
        this.#bodyRemaining -= skipped;
        offset += skipped;
        continue;
      }
      const headerSize = this.#untyped ? UNTYPED_HEADER : TYPED_HEADER;
      const copied = Math.min(headerSize - this.#headerLength, chunk.length - offset);
      this.#header.set(chunk.subarray(offset, offset + copied), this.#headerLength);
      this.#headerLength += copied;
      offset += copied;
      if (this.#headerLength < headerSize) break;
      this.#headerLength = 0;
      if (this.#untyped ? this.#readUntyped() : this.#readTyped()) return offset;
    }
    return -1;
  }

  /** True when the message whose header was just read is a Terminate. */
  #readTyped(): boolean {
    const type = this.#header[0];
    const length = readInt32(this.#header, 1);
    if (length < 4) throw new PostgresFramingError(`message '${String.fromCharCode(type ?? 0)}' has length ${length}`);
    this.#bodyRemaining = length - 4;
    return type === TERMINATE && length === 4;
  }

  #readUntyped(): false {
    const length = readInt32(this.#header, 0);
    const code = readInt32(this.#header, 4);
    if (length < UNTYPED_HEADER) throw new PostgresFramingError(`startup packet has length ${length}`);
    this.#bodyRemaining = length - UNTYPED_HEADER;
    if (code !== SSL_REQUEST && code !== GSSENC_REQUEST) this.#untyped = false;
    return false;
  }
}

function readInt32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) | 0;
}
