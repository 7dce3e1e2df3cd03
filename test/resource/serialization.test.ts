/**
 * Tier 2: the serialization guard. Serializes the shim the way `dynamic.Resource`
 * does (from the built package, which is what users run), checks what lands in
 * every resource's state, and proves the text still works once loaded.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSerialized, serializeProvider, type SerializedProvider } from "../support/serialize";
import { startAnton, type AntonFixture } from "../support/anton";

const CANARY_SECRET = "ant_ocs_sandbox_CANARYclientSECRET000000000000000000000000000000";
const dist = require("../../dist/provider/resource/shim.js") as typeof import("../../provider/resource/shim");
const impl = require("pulumi-anton/dynamic") as typeof import("../../provider/dynamic");

let anton: AntonFixture;
let serialized: SerializedProvider;

beforeAll(async () => {
  anton = await startAnton();
  // Configure the live implementation with canary credentials first: a shim that captured
  // anything from it, or from the environment, would carry the canary into the text.
  process.env.ANTON_CLIENT_SECRET = CANARY_SECRET;
  await impl.webhookSecretProvider.configure({
    config: { get: (k: string) => (k === "anton:clientSecret" ? CANARY_SECRET : anton.config[k]), require: (k: string) => anton.config[k] },
  });
  serialized = await serializeProvider(dist.webhookSecretShim);
});

afterAll(async () => {
  delete process.env.ANTON_CLIENT_SECRET;
  await impl.closeClients();
  await anton.emulator.close();
});

describe("serialized __provider", () => {
  it("is a small shim that requires its implementation by package name", () => {
    console.log(`__provider size: ${Buffer.byteLength(serialized.text)} bytes`);
    expect(Buffer.byteLength(serialized.text)).toBeLessThanOrEqual(4096);
    expect(serialized.text).toContain('require("pulumi-anton/dynamic")');
    expect(serialized.containsSecrets).toBe(false);
  });

  it("contains no credential, key or emulator detail", () => {
    for (const needle of [CANARY_SECRET, anton.config["anton:clientSecret"], anton.config["anton:clientId"], "PRIVATE KEY", anton.emulator.url, "whsec_"]) {
      expect(serialized.text).not.toContain(needle);
    }
  });

  it("is the same text for every resource (one provider object, serialized once)", async () => {
    const again = await serializeProvider(dist.webhookSecretShim);
    expect(again.text).toBe(serialized.text);
  });

  it("loads the way the plugin loads it and rotates against the emulator", async () => {
    const provider = loadSerialized(serialized.text);
    await provider.configure!({ config: anton.configGetter });
    const hook = anton.emulator.createWebhook();
    const { inputs } = await provider.check!({}, { webhookId: hook.id });
    const { outs } = await provider.create(inputs);
    expect(anton.emulator.state.rotations(hook.id)).toBe(1);
    expect(outs.secret).toBe(anton.emulator.state.currentSecret(hook.id));
  });
});
