import { describe, expect, it } from "vitest";
import { downloadName } from "./languages.ts";

describe("downloadName", () => {
  it.each([
    ["three.js", "javascript", "three.js"],
    ["THREE.JS", "javascript", "THREE.JS"],
    ["three.js", "typescript", "three.js.ts"],
    ["notes", "markdown", "notes.md"],
    ["My notes: v2!", "python", "My-notes-v2.py"],
    ["Café crème", "markdown", "Cafe-creme.md"],
    ["???", "json", "document.json"],
    ["../../etc/passwd", "plaintext", "etc-passwd.txt"],
    ["x", "not-a-language", "x.txt"],
  ])("names %j in %s %j", (title, language, expected) => {
    expect(downloadName(title, language)).toBe(expected);
  });
});
