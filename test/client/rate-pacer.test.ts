/**
 * Pacing under the rate limit: against the emulator's rolling window, a burst
 * larger than the window is held back instead of being answered with 429s.
 */
import { afterEach, describe, expect, it } from "vitest";
import { AntonClient } from "../../provider/client";
import { startEmulator, type Emulator } from "../../provider/emulator";

const ROTATE = "POST /v1/webhooks/:id/secret/rotate";
let emu: Emulator | undefined;
let client: AntonClient | undefined;
afterEach(async () => {
  await client?.close();
  await emu?.close();
});

describe("rate-limit pacing", () => {
  it("a burst of 12 rotations under 5 per 1 s: no 429, one request per rotation, waits reported by Reset", async () => {
    emu = await startEmulator({ keyFile: false, rateLimit: { limit: 5, windowMs: 1_000 } });
    const sleeps: number[] = [];
    client = new AntonClient({
      apiUrl: emu.url,
      clientId: emu.credentials.clientId,
      clientSecret: emu.credentials.clientSecret,
      dpopPrivateKey: emu.credentials.dpopPrivateKeyPem,
      // Real sleeps: the window must actually roll over. Recorded to see that the pacer, not 429s, waited.
      sleep: (ms) => {
        sleeps.push(ms);
        return new Promise((r) => setTimeout(r, ms));
      },
    });
    const hooks = Array.from({ length: 12 }, () => emu!.createWebhook());
    const results = await Promise.all(hooks.map((h) => client!.rotateWebhookSecret(h.id)));
    expect(results.every((r) => r.attempts === 1)).toBe(true);
    expect(emu.state.rejections.rate_limited ?? 0).toBe(0);
    expect(emu.state.requests.byRoute[ROTATE]).toBe(12);
    expect(client.stats.rateLimitWaits).toBe(0);
    // 12 requests at 5 per window need two pauses; each at most one window plus the header's 1 s rounding.
    expect(sleeps.length).toBeGreaterThanOrEqual(2);
    expect(sleeps.every((ms) => ms > 0 && ms <= 2_000)).toBe(true);
    for (const h of hooks) expect(emu.state.rotations(h.id)).toBe(1);
  });

  it("a server without rate-limit headers is never paced (the first answer lifts the initial probe)", async () => {
    emu = await startEmulator({ keyFile: false, rateLimit: false });
    const sleeps: number[] = [];
    client = new AntonClient({
      apiUrl: emu.url,
      clientId: emu.credentials.clientId,
      clientSecret: emu.credentials.clientSecret,
      dpopPrivateKey: emu.credentials.dpopPrivateKeyPem,
      sleep: async (ms) => void sleeps.push(ms),
    });
    const hooks = Array.from({ length: 40 }, () => emu!.createWebhook());
    await Promise.all(hooks.map((h) => client!.rotateWebhookSecret(h.id)));
    expect(sleeps).toEqual([]);
    expect(emu.state.requests.byRoute[ROTATE]).toBe(40);
  });
});
