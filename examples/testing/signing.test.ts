// Unit tests of our program, offline: no Anton, no credentials, no Pulumi CLI.
// Run: node --import tsx --test examples/testing/*.test.ts (any runner works; this uses node:test).
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { resolveOutput, setAntonMocks, type AntonMocks } from "pulumi-anton/testing";
import { webhookSigning } from "./signing";

let mocks: AntonMocks;
before(async () => {
  // Before any resource is created: Check runs and secret outputs stay secret, as under the engine.
  mocks = await setAntonMocks();
});

describe("webhookSigning", () => {
  it("keeps the signing secret secret, all the way to what receivers get", async () => {
    const { signing, receiverSecrets, fingerprint } = webhookSigning("orders", { webhookId: "wbh_01HX8Z9K0M2N3P4Q5R6S7T8UW" });
    const secret = await resolveOutput(signing.secret);
    assert.equal(secret.secret, true);
    assert.match(secret.value, /^whsec_/);
    assert.equal((await resolveOutput(signing.previousSecret)).secret, true);
    assert.equal((await resolveOutput(receiverSecrets)).secret, true);
    const print = await resolveOutput(fingerprint);
    assert.equal(print.secret, false);
    assert.match(print.value, /^[0-9a-f]{16}$/);
    assert.equal(mocks.created.get("orders")?.inputs.rotateAfter, "30d");
  });

  it("rejects a webhook id that preview would reject", async () => {
    const { signing } = webhookSigning("typo", { webhookId: "wh_123" });
    await assert.rejects(resolveOutput(signing.fingerprint), /webhookId/);
    assert.equal(mocks.failures.get("typo")?.[0]?.property, "webhookId");
  });

  it("rejects a rotation period that preview would reject", async () => {
    const { signing } = webhookSigning("fortnight", { webhookId: "wbh_01HX8Z9K0M2N3P4Q5R6S7T8UW", rotateAfter: "2 weeks" });
    await assert.rejects(resolveOutput(signing.fingerprint), /rotateAfter/);
  });
});
