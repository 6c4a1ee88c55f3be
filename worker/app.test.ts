import { DocumentResponse, ErrorBody, HealthResponse } from "@collab/protocol";
import { describe, expect, inject, it } from "vitest";
import { connectClient, uniqueDocId } from "../tools/testing/clients.ts";
import rootPackage from "../package.json" with { type: "json" };

// The worker under `wrangler dev` (workerd), talking to the real database through the Neon driver.
const { workerUrl, partyUrl } = inject("stack");
const get = (path: string) => fetch(`${workerUrl}${path}`);

describe("GET /api/health", () => {
  it("reports the version and a reachable database", async () => {
    const response = await get("/api/health");
    expect(response.status).toBe(200);
    const body = HealthResponse.parse(await response.json());
    expect(body).toMatchObject({ status: "ok", version: rootPackage.version, database: { ok: true } });
  });
});

describe("GET /api/documents/:id", () => {
  it.each(["a%20b", "..%2F..%2Fetc", "x".repeat(65), "%F0%9F%8E%88", "'%3B%20drop%20table%20documents"])(
    "answers 400 with the shared error body for the invalid id %s",
    async (id) => {
      const response = await get(`/api/documents/${id}`);
      expect(response.status).toBe(400);
      const body = ErrorBody.parse(await response.json());
      expect(body.error.code).toBe("invalid_document_id");
    },
  );

  it("answers 404 for a document nobody has written", async () => {
    const response = await get(`/api/documents/${uniqueDocId("nobody")}`);
    expect(response.status).toBe(404);
    expect(ErrorBody.parse(await response.json()).error.code).toBe("not_found");
  });

  it("returns the text of the latest snapshot, written by the room", async () => {
    const docId = uniqueDocId("rest");
    const client = connectClient(partyUrl, docId);
    await client.synced;
    client.text.insert(0, "def hello():\n    return 'wörld'\n");
    client.destroy();
    let body: DocumentResponse | undefined;
    const deadline = Date.now() + 10_000;
    while (!body && Date.now() < deadline) {
      const response = await get(`/api/documents/${docId}`);
      if (response.status === 200) body = DocumentResponse.parse(await response.json());
      else await new Promise((r) => setTimeout(r, 100));
    }
    expect(body).toMatchObject({ id: docId, text: "def hello():\n    return 'wörld'\n", length: 32, language: "plaintext" });
  });

  it("answers unknown routes with a JSON 404", async () => {
    const response = await get("/api/nope");
    expect(response.status).toBe(404);
    expect(ErrorBody.parse(await response.json()).error.code).toBe("not_found");
  });
});
