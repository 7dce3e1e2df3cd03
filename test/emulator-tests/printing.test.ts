/**
 * The emulator's demo credentials and its webhooks' secrets are throwaway, but they are secrets: no printed,
 * serialized, spread or enumerated view of the emulator, its credentials or its state shows them. The
 * `env` and `config` maps, which exist to hand the values to processes and to stack config, keep them as
 * plain strings (a spread copies them) but print them redacted.
 */
import { format, inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../provider/emulator";
import { startAntonEmulator, type AntonEmulatorFixture } from "../../provider/testing";
import { CanarySet, objectViews } from "../security/scanner";

let emu: Emulator;
let fixture: AntonEmulatorFixture;
const canaries = new CanarySet();
beforeAll(async () => {
  emu = await startEmulator({ keyFile: false });
  const hook = emu.createWebhook();
  emu.rotateOutOfBand(hook.id);
  fixture = await startAntonEmulator();
  for (const e of [emu, fixture.emulator]) {
    canaries.add("client secret", e.credentials.clientSecret);
    canaries.add("DPoP private key", e.credentials.dpopPrivateKeyPem);
    canaries.add("DPoP private key d", e.credentials.dpopPrivateJwk.d as string);
    for (const w of e.state.webhooks()) {
      canaries.add("webhook secret", w.secret);
      canaries.add("webhook secret", w.previousSecret);
    }
  }
});
afterAll(async () => {
  await fixture?.stop();
  await emu?.close();
});

describe("printing the emulator", () => {
  it("no view of the emulator, its credentials or its state holds a credential or a webhook secret", () => {
    expect(canaries.size).toBeGreaterThanOrEqual(8);
    const views = [
      ...objectViews("emulator", emu),
      ...objectViews("credentials", emu.credentials),
      ...objectViews("state", emu.state),
      ...objectViews("fixture.emulator", fixture.emulator),
    ];
    expect(canaries.scan(views)).toEqual([]);
    expect(inspect(emu)).toMatch(/^Emulator \{/);
    expect(inspect(emu)).toContain(emu.url);
  });

  it("env and config print redacted, and still hand their values over when spread or read", () => {
    for (const [where, map] of [
      ["emulator.env", emu.env],
      ["fixture.env", fixture.env],
      ["fixture.config", fixture.config],
    ] as const) {
      const printed = [format("%s %o %O %j", map, map, map, map), inspect(map, { showHidden: true, depth: Infinity }), JSON.stringify(map)].join("\n");
      expect(canaries.scan([{ where, text: printed }])).toEqual([]);
      expect(printed).toContain("[redacted]");
    }
    expect({ ...emu.env }.ANTON_CLIENT_SECRET).toBe(emu.credentials.clientSecret);
    expect(fixture.config["anton:dpopPrivateKey"]).toBe(fixture.emulator.credentials.dpopPrivateKeyPem);
    const { clientSecret } = emu.credentials;
    expect(clientSecret).toMatch(/^ant_ocs_/);
  });
});
