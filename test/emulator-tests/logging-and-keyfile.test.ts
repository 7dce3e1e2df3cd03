import { describe, expect, it } from "vitest";
import { existsSync, readFileSync, statSync } from "node:fs";
import { setup, http } from "./support";
import { freshKey } from "./proof";
import { startEmulator } from "../../provider/emulator";

describe("log()", () => {
  it("never receives a secret, token, proof or key (canary)", async () => {
    const lines: string[] = [];
    const { emu, merchant } = await setup({ log: (l) => lines.push(l), rateLimit: { limit: 8, windowMs: 60_000 } });
    try {
      const created = await merchant.createWebhook();
      const id = created.body.id;
      const rotated = await merchant.call("POST", `/v1/webhooks/${id}/secret/rotate`);
      await merchant.call("GET", `/v1/webhooks/${id}/secret`);
      await merchant.call("GET", `/v1/webhooks/${id}/secret`, { proof: { key: freshKey() } });
      await merchant.call("GET", `/v1/webhooks/${id}`, { headers: { authorization: `Bearer ${merchant.token}` } });
      await merchant.tokenRequest({}, { headers: { authorization: "Basic " + Buffer.from(`${merchant.creds.clientId}:${merchant.creds.clientSecret}x`).toString("base64") } });
      emu.faults.failNext(1, 500);
      await merchant.call("GET", `/v1/webhooks/${id}`);
      for (let i = 0; i < 6; i++) await merchant.call("GET", `/v1/webhooks?cursor=${merchant.creds.clientSecret}`);
      await http(`${emu.url}/v1/${created.body.secret}`);

      expect(lines.length).toBeGreaterThan(10);
      const all = lines.join("\n");
      const canaries = [
        created.body.secret,
        rotated.body.secret,
        merchant.creds.clientSecret,
        merchant.token!,
        String(merchant.creds.dpopPrivateJwk.d),
        "whsec_",
        "ant_ocs_",
        "eyJ", // any JWT (proof) fragment
        "Basic ",
        "DPoP ",
      ];
      for (const canary of canaries) expect(all).not.toContain(canary);
      expect(lines[0]).toMatch(/^POST \/oauth\/token 200 req_[0-9a-f]{32}$/);
      expect(all).toContain("GET /v1/webhooks/:id/secret 401");
      expect(all).toContain("GET /v1/webhooks 429");
    } finally {
      await emu.close();
    }
  });
});

describe("key file", () => {
  it("writes the demo PKCS#8 key with mode 0600 to a temp folder and removes it on close", async () => {
    const emu = await startEmulator();
    const file = emu.credentials.keyFile!;
    expect(readFileSync(file, "utf8")).toBe(emu.credentials.dpopPrivateKeyPem);
    expect(emu.credentials.dpopPrivateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await emu.close();
    expect(existsSync(file)).toBe(false);
  });
});
