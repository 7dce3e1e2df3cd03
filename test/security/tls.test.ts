/**
 * TLS: the client trusts a private CA only through NODE_EXTRA_CA_CERTS, fails closed
 * without it and on a hostname mismatch, refuses TLS 1.1, and refuses http:// to a
 * non-loopback host before connecting. Certificates are generated at test time.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { connect as tlsConnect, createServer as createTlsServer, type Server as TlsServer } from "node:tls";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AntonClient, AntonConfigError } from "../../provider/client";
import { startAnton, type AntonFixture } from "../support/anton";
import { createTestPki, opensslMissing, type TestPki } from "./tls-certs";

const run = promisify(execFile);
const root = join(__dirname, "..", "..");
const missing = opensslMissing();
if (missing) console.warn(`TLS suite skipped: ${missing}`);

interface ProbeResult {
  ok: boolean;
  fingerprint?: string;
  code?: string;
  cause?: string;
  retryable?: boolean;
  attempts?: number;
  serverState?: string;
  message?: string;
  hint?: string;
}

/** One rotation in a child process with the given extra environment. */
async function probe(anton: AntonFixture, url: string, webhookId: string, extraEnv: Record<string, string>): Promise<ProbeResult> {
  const { stdout } = await run(process.execPath, [join(__dirname, "tls-probe.cjs")], {
    env: {
      PATH: process.env.PATH,
      ...anton.env,
      ANTON_API_URL: url,
      PROBE_WEBHOOK_ID: webhookId,
      PROBE_CLIENT_MODULE: join(root, "dist", "provider", "index.js"),
      ...extraEnv,
    },
    timeout: 30_000,
  });
  return JSON.parse(stdout.trim().split("\n").pop()!) as ProbeResult;
}

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

describe.skipIf(missing !== undefined)("TLS against the emulator over HTTPS (private CA made with openssl)", () => {
  let pki: TestPki;
  let good: AntonFixture;
  let wrongName: AntonFixture;
  const figures: string[] = [];

  beforeAll(async () => {
    pki = createTestPki();
    good = await startAnton({ tls: pki.issue("server", "IP:127.0.0.1,DNS:localhost") });
    wrongName = await startAnton({ tls: pki.issue("other", "DNS:api.other.example") });
  });
  afterAll(async () => {
    console.log(`TLS cases: ${figures.length}\n  ${figures.join("\n  ")}`);
    await good?.emulator.close();
    await wrongName?.emulator.close();
    pki?.dispose();
  });

  it("succeeds with NODE_EXTRA_CA_CERTS pointing at the CA", async () => {
    expect(good.emulator.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const hook = good.emulator.createWebhook();
    const r = await probe(good, good.emulator.url, hook.id, { NODE_EXTRA_CA_CERTS: pki.caFile });
    expect(r).toMatchObject({ ok: true, attempts: 1 });
    expect(r.fingerprint).toBe(sha256(good.emulator.state.currentSecret(hook.id)!));
    expect(good.emulator.state.rotations(hook.id)).toBe(1);
    figures.push("trusted CA via NODE_EXTRA_CA_CERTS: rotation succeeds");
  });

  it("also verifies the hostname form of the URL (https://localhost)", async () => {
    const hook = good.emulator.createWebhook();
    const url = good.emulator.url.replace("127.0.0.1", "localhost");
    const r = await probe(good, url, hook.id, { NODE_EXTRA_CA_CERTS: pki.caFile });
    expect(r).toMatchObject({ ok: true });
    figures.push("https://localhost with a DNS SAN: succeeds");
  });

  it("fails closed without the CA: tls_error, not retried, no request reaches the server", async () => {
    const hook = good.emulator.createWebhook();
    const before = good.emulator.state.requests.total;
    const r = await probe(good, good.emulator.url, hook.id, {});
    expect(r).toMatchObject({ ok: false, code: "tls_error", retryable: false, attempts: 1, serverState: "unchanged" });
    expect(r.cause).toMatch(/UNABLE_TO_GET_ISSUER_CERT_LOCALLY|SELF_SIGNED|UNABLE_TO_VERIFY/);
    expect(r.hint).toMatch(/NODE_EXTRA_CA_CERTS/);
    expect(r.message).not.toMatch(/NODE_EXTRA_CA_CERTS/);
    expect(good.emulator.state.requests.total).toBe(before);
    expect(good.emulator.state.rotations(hook.id)).toBe(0);
    figures.push(`no CA: refused (${r.cause})`);
  });

  it("fails closed in this process too (the test runner has no NODE_EXTRA_CA_CERTS)", async () => {
    const client = new AntonClient({ apiUrl: good.emulator.url, clientId: good.env.ANTON_CLIENT_ID, clientSecret: good.env.ANTON_CLIENT_SECRET, dpopPrivateKey: good.env.ANTON_DPOP_PRIVATE_KEY, sleep: async () => {} });
    try {
      await expect(client.getWebhookSecret("wbh_abc")).rejects.toMatchObject({ code: "tls_error", retryable: false });
    } finally {
      await client.close();
    }
    figures.push("no CA, in-process: refused");
  });

  it("fails for a hostname mismatch even with the CA trusted", async () => {
    const hook = wrongName.emulator.createWebhook();
    const r = await probe(wrongName, wrongName.emulator.url, hook.id, { NODE_EXTRA_CA_CERTS: pki.caFile });
    expect(r).toMatchObject({ ok: false, code: "tls_error", retryable: false, serverState: "unchanged" });
    expect(r.cause).toBe("ERR_TLS_CERT_ALTNAME_INVALID");
    expect(wrongName.emulator.state.requests.total).toBe(0);
    figures.push(`hostname mismatch: refused (${r.cause})`);
  });

  it("refuses a TLS 1.1-only server (the server itself is proven to speak TLS 1.1)", async () => {
    const { key, cert } = pki.issue("legacy", "IP:127.0.0.1");
    let handshakes = 0;
    let requests = 0;
    // A raw TLS server: OpenSSL 3's default security level forbids TLS 1.1 even on a server, hence SECLEVEL=0.
    const server: TlsServer = createTlsServer({ key, cert, minVersion: "TLSv1.1", maxVersion: "TLSv1.1", ciphers: "DEFAULT@SECLEVEL=0" }, (socket) => {
      handshakes += 1;
      socket.once("data", () => {
        requests += 1;
        socket.end("HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      // Control: a client that allows TLS 1.1 can complete a handshake, so the refusal below is the client's policy.
      const legacyOk = await new Promise<string | undefined>((resolve) => {
        const s = tlsConnect({ host: "127.0.0.1", port, ca: [readFileSync(pki.caFile)], minVersion: "TLSv1.1", maxVersion: "TLSv1.1", ciphers: "DEFAULT@SECLEVEL=0" }, () => {
          const v = s.getProtocol() ?? undefined;
          s.end();
          resolve(v);
        });
        s.on("error", () => resolve(undefined));
      });
      if (legacyOk !== "TLSv1.1") {
        console.warn("TLS 1.1 refusal not provable here: this OpenSSL cannot complete a TLS 1.1 handshake at all");
        return;
      }
      handshakes = 0;
      const r = await probe(good, `https://127.0.0.1:${port}`, "wbh_legacy", { NODE_EXTRA_CA_CERTS: pki.caFile });
      expect(r).toMatchObject({ ok: false, code: "tls_error", retryable: false });
      expect(r.cause).toMatch(/ERR_SSL_|EPROTO|UNSUPPORTED_PROTOCOL|VERSION/);
      expect(handshakes).toBe(0);
      expect(requests).toBe(0);
      figures.push(`TLS 1.1-only server: refused (${r.cause}); control handshake at TLS 1.1 succeeded`);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("plain http:// to a non-loopback host", () => {
  it("is refused at construction, before any connection (a listener on a non-loopback address sees nothing)", async () => {
    const address = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === "IPv4" && !i.internal)?.address;
    let connections = 0;
    const server = createNetServer((s) => {
      connections += 1;
      s.destroy();
    });
    const host = address ?? "0.0.0.0";
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const urls = [`http://${address ?? "10.0.0.1"}:${port}`, "http://api.antonpayments.com", "http://127.0.0.1.nip.io", "http://[::ffff:10.0.0.1]"];
      for (const apiUrl of urls) {
        let err: unknown;
        try {
          new AntonClient({ apiUrl, clientId: "ant_oc_sandbox_x", clientSecret: "ant_ocs_sandbox_y", dpopPrivateKey: "unused" });
        } catch (e) {
          err = e;
        }
        expect(err, apiUrl).toBeInstanceOf(AntonConfigError);
        expect((err as AntonConfigError).field).toBe("apiUrl");
        expect((err as Error).message).toMatch(/requires TLS \(https:\/\/\)/);
      }
      await new Promise((r) => setTimeout(r, 50));
      expect(connections).toBe(0);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
