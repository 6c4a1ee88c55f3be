/**
 * One status line that rewrites itself on a terminal and prints a line every few seconds elsewhere (CI logs,
 * pipes), so a long run shows it is alive without flooding a log.
 */
export class Progress {
  #tty = Boolean(process.stderr.isTTY);
  #lastPrinted = 0;
  #prefix = "";

  section(prefix: string): void {
    this.done();
    this.#prefix = prefix;
    process.stderr.write(`▸ ${prefix}\n`);
  }

  update(line: string): void {
    const text = `  ${this.#prefix}: ${line}`;
    if (this.#tty) {
      process.stderr.write(`\r\x1b[2K${text.slice(0, (process.stderr.columns || 120) - 1)}`);
    } else if (Date.now() - this.#lastPrinted > 5_000) {
      this.#lastPrinted = Date.now();
      process.stderr.write(`${text}\n`);
    }
  }

  done(): void {
    if (this.#tty) process.stderr.write("\r\x1b[2K");
  }

  note(line: string): void {
    this.done();
    process.stderr.write(`  ${line}\n`);
  }
}
