/** Helpers for the receiver tests: a shared virtual clock, a DPoP caller for the emulator's test-delivery route, and a request tap. */
import { createHash, createPrivateKey, createPublicKey, randomUUID, type KeyObject } from "node:crypto";
import { mkdtempSync, renameSync, writeFileSync } from "node:fs";
import type { IncomingHttpHeaders, IncomingMessage, Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignJWT, type JWK } from "jose";
import { request } from "undici";
import type { Emulator } from "../../provider/emulator";

/** Everything in a test reads time from here, so moving past a grace period takes no waiting. */
export class VirtualClock {
  offsetMs = 0;
  readonly nowMs = (): number => Date.now() + this.offsetMs;
  advance(seconds: number): void {
    this.offsetMs += seconds * 1000;
  }
}

/** `POST /v1/webhooks/{id}/test` over real HTTP with OAuth client_credentials + DPoP, on the virtual clock. */
export class TestDeliveryTrigger {
  private readonly key: KeyObject;
  private readonly jwk: JWK;
  private readonly alg: "ES256" | "EdDSA";
  private token?: string;

  constructor(
    private readonly emulator: Emulator,
    private readonly clock: VirtualClock,
  ) {
    this.key = createPrivateKey(emulator.credentials.dpopPrivateKeyPem);
    this.jwk = createPublicKey(this.key).export({ format: "jwk" }) as JWK;
    this.alg = emulator.credentials.alg === "EdDSA" ? "EdDSA" : "ES256";
  }

  private proof(htm: string, htu: string, token?: string): Promise<string> {
    const claims: Record<string, unknown> = { htm, htu, iat: Math.floor(this.clock.nowMs() / 1000), jti: randomUUID() };
    if (token) claims.ath = createHash("sha256").update(token).digest("base64url");
    return new SignJWT(claims).setProtectedHeader({ alg: this.alg, typ: "dpop+jwt", jwk: this.jwk }).sign(this.key);
  }

  private async mint(): Promise<string> {
    const htu = `${this.emulator.url}/oauth/token`;
    const { clientId, clientSecret } = this.emulator.credentials;
    const res = await request(htu, {
      method: "POST",
      headers: {
        authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}`,
        "content-type": "application/x-www-form-urlencoded",
        dpop: await this.proof("POST", htu),
      },
      body: "grant_type=client_credentials",
    });
    const body = (await res.body.json()) as { access_token?: string };
    if (res.statusCode !== 200 || !body.access_token) throw new Error(`token request failed with HTTP ${res.statusCode}`);
    return body.access_token;
  }

  /** Asks the emulator to deliver a signed test event; returns its answer `{delivered, status, event_id}`. */
  async send(webhookId: string): Promise<{ delivered: boolean; status?: number; event_id: string }> {
    for (let attempt = 0; ; attempt++) {
      this.token ??= await this.mint();
      const htu = `${this.emulator.url}/v1/webhooks/${webhookId}/test`;
      const res = await request(htu, {
        method: "POST",
        headers: { authorization: `DPoP ${this.token}`, dpop: await this.proof("POST", htu, this.token) },
      });
      const body = (await res.body.json()) as any;
      // The virtual clock may have moved past the token's lifetime: mint again once.
      if (res.statusCode === 401 && attempt === 0) {
        this.token = undefined;
        continue;
      }
      if (res.statusCode !== 200) throw new Error(`test delivery request failed with HTTP ${res.statusCode}`);
      return body;
    }
  }
}

/** A delivery as it arrived at the receiver, byte for byte. */
export interface Captured {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Records every request a server receives (raw headers and body) without disturbing its handler. */
export function tap(server: Server): Captured[] {
  const captured: Captured[] = [];
  server.prependListener("request", (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => captured.push({ headers: { ...req.headers }, body: Buffer.concat(chunks) }));
  });
  return captured;
}

export function urlOf(server: Server, path = "/webhooks/anton"): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
}

export async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return urlOf(server);
}

export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

/** POSTs exactly these bytes and headers (hop-by-hop ones dropped); returns the status and body text. */
export async function post(url: string, body: Buffer | string, headers: Record<string, string | string[] | undefined>, method = "POST") {
  const sent: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || ["host", "connection", "content-length", "transfer-encoding"].includes(k.toLowerCase())) continue;
    sent[k] = v;
  }
  const res = await request(url, { method: method as "POST", headers: sent, body: method === "GET" ? undefined : body });
  return { status: res.statusCode, text: await res.body.text(), headers: res.headers };
}

/** The JSON the AWS Secrets Manager example stores in one SecretVersion, built from the resource's outputs. */
export function awsSecretDocument(outputs: { secret: string; previousSecret?: string; rotatedAt: string; fingerprint: string }): string {
  return JSON.stringify({ current: outputs.secret, previous: outputs.previousSecret ?? "", rotatedAt: outputs.rotatedAt, fingerprint: outputs.fingerprint });
}

/** A temporary secrets file, written atomically (temp file + rename) as the README recommends. */
export function secretsFile(): { path: string; write(text: string): void } {
  const dir = mkdtempSync(join(tmpdir(), "anton-receiver-"));
  const path = join(dir, "anton-webhook.json");
  let n = 0;
  return {
    path,
    write(text: string) {
      const temp = `${path}.${++n}.tmp`;
      writeFileSync(temp, text, { mode: 0o600 });
      renameSync(temp, path);
    },
  };
}
