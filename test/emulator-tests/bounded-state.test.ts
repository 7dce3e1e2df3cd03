import { describe, expect, it } from "vitest";
import { Agent, request } from "undici";
import { NonceManager } from "../../provider/emulator/nonces";
import { ReplayCache } from "../../provider/emulator/replay-cache";
import { setup } from "./support";

// Unit level for the clock- and volume-driven parts that would need minutes or 100k requests over HTTP.
describe("NonceManager", () => {
  it("rotates after 100 uses and accepts the previous nonce for a short while only", () => {
    const t0 = 1_700_000_000_000;
    const nonces = new NonceManager(t0);
    const first = nonces.issue(t0);
    for (let i = 0; i < 99; i++) expect(nonces.issue(t0)).toBe(first);
    const second = nonces.issue(t0);
    expect(second).not.toBe(first);
    expect([nonces.accepts(first, t0 + 1_000), nonces.accepts(second, t0 + 1_000)]).toEqual([true, true]);
    expect(nonces.accepts(first, t0 + 10_001)).toBe(false);
    expect(nonces.accepts("made-up", t0)).toBe(false);
  });

  it("rotates after 30 s even when rarely used", () => {
    const nonces = new NonceManager(0);
    const first = nonces.issue(0);
    expect(nonces.issue(30_001)).not.toBe(first);
  });
});

describe("ReplayCache", () => {
  it("remembers a jti for its window, then forgets it", () => {
    const cache = new ReplayCache(300_000);
    cache.add("k:jti", 0);
    expect(cache.has("k:jti", 299_999)).toBe(true);
    expect(cache.has("k:jti", 300_000)).toBe(false);
    cache.add("k:other", 300_001);
    expect(cache.size).toBe(1);
  });

  it("stays bounded under a flood", () => {
    const cache = new ReplayCache(300_000, 1_000);
    for (let i = 0; i < 5_000; i++) cache.add(`k:${i}`, 0);
    expect(cache.size).toBeLessThanOrEqual(1_000);
    expect(cache.has("k:4999", 1)).toBe(true);
  });
});

describe("close()", () => {
  it("resolves with a keep-alive connection open and a delayed response pending", async () => {
    const { emu, merchant } = await setup();
    const hook = emu.createWebhook();
    const agent = new Agent({ keepAliveTimeout: 60_000 });
    try {
      const url = `${emu.url}/.well-known/jwks.json`;
      expect((await request(url, { dispatcher: agent })).statusCode).toBe(200);
      await merchant.login();
      emu.faults.delay(60_000);
      const pending = merchant.call("GET", `/v1/webhooks/${hook.id}`).then(
        () => "answered",
        () => "aborted",
      );
      // Close only once the request is being held, so the test is about the pending response.
      while (emu.faults.injected.slow === undefined) await new Promise((r) => setTimeout(r, 5));
      await emu.close();
      expect(await pending).toBe("aborted");
      await expect(request(url, { dispatcher: agent })).rejects.toThrow();
    } finally {
      await agent.close();
    }
  });
});
