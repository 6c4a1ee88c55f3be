import { describe, expect, it } from "vitest";
import { authPath, requiresAccount, routeFor, safeNext } from "./routes.ts";

describe("routeFor", () => {
  it.each([
    ["/", "", { page: "documents" }],
    ["/d/my-notes", "", { page: "editor", docId: "my-notes" }],
    ["/d/my-notes/", "", { page: "editor", docId: "my-notes" }],
    ["/d/a%20b", "", { page: "invalid-doc", raw: "a b" }],
    ["/d/%E0%A4%A", "", { page: "invalid-doc", raw: "%E0%A4%A" }],
    [`/d/${"x".repeat(65)}`, "", { page: "invalid-doc", raw: "x".repeat(65) }],
    ["/d/", "", { page: "not-found", path: "/d/" }],
    ["/elsewhere", "", { page: "not-found", path: "/elsewhere" }],
    ["/login", "", { page: "login", next: "/" }],
    ["/login", "?next=%2Fd%2Fabc", { page: "login", next: "/d/abc" }],
    ["/login", "?next=https://evil.example", { page: "login", next: "/" }],
    ["/register", "?next=/share/t0k", { page: "register", next: "/share/t0k" }],
    ["/share/abc_DEF-123", "", { page: "share", token: "abc_DEF-123" }],
    ["/share/abc/", "", { page: "share", token: "abc" }],
    ["/share/%E0%A4%A", "", { page: "not-found", path: "/share/%E0%A4%A" }],
  ])("%s%s", (pathname, search, route) => {
    expect(routeFor(pathname, search)).toEqual(route);
  });
});

describe("safeNext", () => {
  it.each([
    [null, "/"],
    ["", "/"],
    ["/d/x?y=1", "/d/x?y=1"],
    ["//evil.example/path", "/"],
    ["/\\evil.example", "/"],
    ["https://evil.example", "/"],
    ["javascript:alert(1)", "/"],
  ])("%j -> %j", (raw, next) => {
    expect(safeNext(raw)).toBe(next);
  });
});

describe("authPath", () => {
  it("keeps where to go back to", () => {
    expect(authPath("login", "/d/abc")).toBe("/login?next=%2Fd%2Fabc");
    expect(authPath("register", "/")).toBe("/register");
  });
});

describe("requiresAccount", () => {
  it("guards the list, the editor and share links but not the sign-in pages", () => {
    expect(["/", "/d/x", "/share/t", "/login", "/register", "/nope"].map((path) => requiresAccount(routeFor(path)))).toEqual([
      true, true, true, false, false, false,
    ]);
  });
});
