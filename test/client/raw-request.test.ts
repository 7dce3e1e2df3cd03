/** `AntonClient.request`: one authenticated call to any /v1 route, as `anton-api` sends it. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AntonArgumentError, AntonClient } from "../../provider";
import { startEmulator, type Emulator } from "../../provider/emulator";
import { rejection } from "./support";

let emu: Emulator;
let client: AntonClient;
beforeAll(async () => {
  emu = await startEmulator({ keyFile: false });
  const { clientId, clientSecret, dpopPrivateKeyPem } = emu.credentials;
  client = new AntonClient({ apiUrl: emu.url, clientId, clientSecret, dpopPrivateKey: dpopPrivateKeyPem, sleep: async () => {} });
});
afterAll(async () => {
  await client.close();
  await emu.close();
});

describe("AntonClient.request", () => {
  it("GETs a /v1 route with a token and a proof, and counts it under its templated route", async () => {
    const hook = emu.createWebhook();
    const res = await client.request("GET", `/v1/webhooks/${hook.id}`);
    expect(res).toMatchObject({ status: 200, attempts: 1, idempotencyKey: undefined });
    expect(JSON.stringify(res.json)).toContain(hook.id);
    expect(emu.state.requests.byRoute["GET /v1/webhooks/:id"]).toBe(1);
  });

  it("sends a POST with an Idempotency-Key, so repeating it with that key replays instead of rotating again", async () => {
    const hook = emu.createWebhook();
    emu.faults.failNext(1, 503, { route: "POST /v1/webhooks/:id/secret/rotate" });
    const first = await client.request("POST", `/v1/webhooks/${hook.id}/secret/rotate`);
    expect(first.attempts).toBe(2); // retried with the same key
    expect(first.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    const again = await client.request("POST", `/v1/webhooks/${hook.id}/secret/rotate`, { idempotencyKey: first.idempotencyKey });
    expect(again.json).toEqual(first.json);
    expect(emu.state.rotations(hook.id)).toBe(1);
  });

  it("refuses paths outside /v1 and dot segments before any request", async () => {
    const before = emu.state.requests.total;
    for (const path of ["/oauth/token", "https://evil.test/v1/x", "/v1/../oauth/token", "/v1/webhooks/#x", "v1/webhooks"]) {
      await expect(client.request("GET", path), path).rejects.toBeInstanceOf(AntonArgumentError);
    }
    expect(emu.state.requests.total).toBe(before);
  });

  it("rejects a non-2xx answer with AntonApiError", async () => {
    const err = await rejection(client.request("GET", "/v1/webhooks/wbh_doesnotexist0000000000"));
    expect(err).toMatchObject({ status: 404, serverState: "unchanged" });
  });
});
