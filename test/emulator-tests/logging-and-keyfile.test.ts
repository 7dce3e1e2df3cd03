import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { createInterface } from "node:readline";
import { setup, http } from "./harness";
import { freshKey } from "./proof";
import { startEmulator } from "../emulator";

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

describe("cli", () => {
  it("prints one JSON line with URL, demo credentials and key path (never the key or a webhook secret), and stops on SIGTERM", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "test/emulator/cli.ts", "--json", "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
    try {
      const line: string = await new Promise((resolve, reject) => {
        createInterface({ input: child.stdout! }).once("line", resolve);
        child.once("exit", () => reject(new Error("cli exited early")));
      });
      const info = JSON.parse(line);
      expect(info).toMatchObject({
        url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
        client_id: expect.stringMatching(/^ant_oc_sandbox_[0-9a-f]{32}$/),
        client_secret: expect.stringMatching(/^ant_ocs_sandbox_[0-9a-f]{48}$/),
        webhook_id: expect.stringMatching(/^wbh_/),
        env: { ANTON_API_URL: info.url, ANTON_CLIENT_ID: info.client_id, ANTON_CLIENT_SECRET: info.client_secret, ANTON_DPOP_PRIVATE_KEY_FILE: info.key_file },
      });
      expect(line).not.toMatch(/PRIVATE KEY|whsec_|"d":/);
      expect(existsSync(info.key_file)).toBe(true);
      expect((await http(`${info.url}/.well-known/jwks.json`)).status).toBe(200);
      const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(existsSync(info.key_file)).toBe(false);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
