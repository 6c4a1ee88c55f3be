import type { ThemeName } from "./theme.svelte.ts";

/** The editor's background in each theme (app.css `--surface`). */
const SURFACE: Record<ThemeName, RGB> = { light: [255, 255, 255], dark: [22, 27, 34] };
/** Caret and label contrast against the editor, and label text against the label (WCAG AA for text). */
const MIN_CONTRAST = 4.5;

type RGB = [number, number, number];

/**
 * A person's colour as this theme should draw it: the palette (protocol/presence.ts) has navy and maroon,
 * invisible on the dark editor, and light cyan, faint on white. The colour is mixed towards white (dark
 * theme) or black (light theme) just until it reaches 4.5:1 against the editor; `colorLight` is the
 * selection tint. The label's text is white in light and near-black in dark, and reaches the same contrast
 * on the adjusted colour. Unparseable colours are returned as they are.
 *
 * @example
 * cursorColorsFor("#000075", "dark"); // { color: "#8c8cc1", colorLight: "#8c8cc159" }
 */
export function cursorColorsFor(color: string, theme: ThemeName): { color: string; colorLight: string } {
  const rgb = parseHex(color);
  if (!rgb) return { color, colorLight: `${color}33` };
  const towards: RGB = theme === "dark" ? [255, 255, 255] : [0, 0, 0];
  let adjusted = rgb;
  for (let step = 1; step <= 10 && contrast(adjusted, SURFACE[theme]) < MIN_CONTRAST; step++) adjusted = mix(rgb, towards, step / 10);
  const hex = toHex(adjusted);
  return { color: hex, colorLight: `${hex}${theme === "dark" ? "59" : "33"}` };
}

export function contrast(a: RGB, b: RGB): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

function luminance([r, g, b]: RGB): number {
  const channel = (value: number) => {
    const c = value / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

function mix(a: RGB, b: RGB, amount: number): RGB {
  return [0, 1, 2].map((i) => Math.round(a[i]! + (b[i]! - a[i]!) * amount)) as RGB;
}

export function parseHex(color: string): RGB | undefined {
  const match = /^#([0-9a-f]{6})$/i.exec(color);
  if (!match) return undefined;
  const value = Number.parseInt(match[1]!, 16);
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
}

function toHex(rgb: RGB): string {
  return `#${rgb.map((c) => c.toString(16).padStart(2, "0")).join("")}`;
}
