/**
 * The known gap: a retry that reaches the server while the first attempt (timed out
 * at the client) is still being processed. The server answers 409
 * `idempotency_key_in_use`; the client must wait, retry with the SAME key, and end
 * in a replay of the first attempt's response: one rotation, the secret it made.
 */
import diagnostics_channel from "node:diagnostics_channel";
import type { IncomingMessage } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AntonClient, RETRY_CHANNEL, type RetryEvent } from "../../provider/client";
import { ROTATE, startAnton, type AntonFixture } from "../support/anton";

let anton: AntonFixture;
beforeAll(async () => {
  anton = await startAnton();
});
afterAll(async () => {
  await anton.emulator.close();
});

describe("409 idempotency_key_in_use after a client timeout", () => {
  it("retries with the same Idempotency-Key until the first attempt's response is replayed", async () => {
    const { emulator } = anton;
    const hook = emulator.createWebhook();
    const keys: string[] = [];
    const retries: RetryEvent[] = [];
    const onStart = (m: unknown) => {
      const req = (m as { request: IncomingMessage }).request;
      if (req.url?.endsWith("/secret/rotate")) keys.push(String(req.headers["idempotency-key"]));
    };
    const onRetry = (m: unknown) => retries.push(m as RetryEvent);
    // Waits until the stalled first attempt has committed, so the next retry can only be a replay.
    const untilCommitted = async () => {
      while (emulator.state.rotations(hook.id) === 0) await new Promise((r) => setTimeout(r, 20));
    };
    const client = new AntonClient({
      apiUrl: emulator.url,
      clientId: emulator.credentials.clientId,
      clientSecret: emulator.credentials.clientSecret,
      dpopPrivateKey: emulator.credentials.dpopPrivateKeyPem,
      timeouts: { headersMs: 300 },
      sleep: async () => {
        // The first sleep follows the timeout: retry at once, while the first attempt is still stalled.
        if (retries.length > 1) await untilCommitted();
      },
    });
    diagnostics_channel.subscribe("http.server.request.start", onStart);
    diagnostics_channel.subscribe(RETRY_CHANNEL, onRetry);
    try {
      await client.getWebhookSecret(hook.id); // mint the token first, so the stall hits the rotation itself
      emulator.faults.stall(1_000, 1, { route: ROTATE });
      const result = await client.rotateWebhookSecret(hook.id);

      expect(retries.map((r) => r.reason)).toEqual(["timeout", "in_progress"]);
      expect(emulator.state.rejections.idempotency_key_in_use).toBe(1);
      expect(keys).toHaveLength(3);
      expect(new Set(keys)).toEqual(new Set([result.idempotencyKey]));
      expect(result.replayed).toBe(true);
      expect(result.attempts).toBe(3);
      expect(emulator.state.rotations(hook.id)).toBe(1);
      expect(result.secret).toBe(emulator.state.currentSecret(hook.id));
      expect(emulator.faults.injected.stall).toBe(1);
    } finally {
      diagnostics_channel.unsubscribe("http.server.request.start", onStart);
      diagnostics_channel.unsubscribe(RETRY_CHANNEL, onRetry);
      await client.close();
    }
  });
});
