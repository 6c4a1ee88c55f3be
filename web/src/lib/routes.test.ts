import { describe, expect, it } from "vitest";
import { docIdFromInput, routeFor } from "./routes.ts";

describe("routeFor", () => {
  it.each([
    ["/", { page: "landing" }],
    ["/d/my-notes", { page: "editor", docId: "my-notes" }],
    ["/d/my-notes/", { page: "editor", docId: "my-notes" }],
    ["/d/a%20b", { page: "invalid-doc", raw: "a b" }],
    ["/d/%E0%A4%A", { page: "invalid-doc", raw: "%E0%A4%A" }],
    [`/d/${"x".repeat(65)}`, { page: "invalid-doc", raw: "x".repeat(65) }],
    ["/d/", { page: "not-found", path: "/d/" }],
    ["/elsewhere", { page: "not-found", path: "/elsewhere" }],
  ])("%s", (pathname, route) => {
    expect(routeFor(pathname)).toEqual(route);
  });
});

describe("docIdFromInput", () => {
  it.each([
    ["my-notes", "my-notes"],
    ["  my-notes  ", "my-notes"],
    ["https://collab.example/d/my-notes", "my-notes"],
    ["/d/my-notes", "my-notes"],
    ["no spaces", undefined],
    ["https://collab.example/", undefined],
    ["", undefined],
  ])("%j", (input, docId) => {
    expect(docIdFromInput(input)).toBe(docId);
  });
});
