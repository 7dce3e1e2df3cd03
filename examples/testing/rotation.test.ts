// Our program against a local Anton emulator: a real create rotates the secret once, over HTTP.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { resolveOutput, setAntonMocks, useAntonEmulator } from "pulumi-anton/testing";
import { webhookSigning } from "./signing";

// Starts before the suite, stops after; its credentials become the provider config.
const anton = useAntonEmulator({ before, after });

describe("webhookSigning against the emulator", () => {
  it("rotates the webhook's secret exactly once and hands out the new one", async () => {
    await setAntonMocks({ against: anton });
    const before = anton.emulator.state.currentSecret(anton.webhookId);
    const { signing } = webhookSigning("orders", { webhookId: anton.webhookId });
    const secret = await resolveOutput(signing.secret);
    assert.equal(secret.secret, true);
    assert.equal(anton.emulator.state.rotations(anton.webhookId), 1);
    assert.equal(secret.value, anton.emulator.state.currentSecret(anton.webhookId));
    assert.equal((await resolveOutput(signing.previousSecret)).value, before);
  });
});
