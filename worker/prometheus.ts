/**
 * The Prometheus text exposition format (version 0.0.4), written by hand: a few families, no client
 * library in the bundle. Each family is `# HELP`, `# TYPE`, then its samples.
 *
 * @example
 * const text = new PrometheusText();
 * text.family("collab_rooms_open", "gauge", "Rooms with a live report", [[{}, 3]]);
 * text.toString(); // "# HELP collab_rooms_open Rooms with a live report\n# TYPE collab_rooms_open gauge\ncollab_rooms_open 3\n"
 */
export type Labels = Record<string, string>;
export type Sample = [labels: Labels, value: number, suffix?: string];

export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export class PrometheusText {
  #lines: string[] = [];

  family(name: string, type: "counter" | "gauge" | "histogram", help: string, samples: Sample[]): void {
    this.#lines.push(`# HELP ${name} ${help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`, `# TYPE ${name} ${type}`);
    for (const [labels, value, suffix] of samples) this.#lines.push(`${name}${suffix ?? ""}${labelText(labels)} ${numberText(value)}`);
  }

  toString(): string {
    return this.#lines.join("\n") + "\n";
  }
}

function labelText(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return "";
  return `{${entries.map(([key, value]) => `${key}="${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`).join(",")}}`;
}

function numberText(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}
