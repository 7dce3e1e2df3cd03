import { request } from "undici";
import { startEmulator, type Emulator, type EmulatorCredentials, type EmulatorOptions } from "../../provider/emulator";
import { buildProof, keyFromPem, type ProofOptions, type TestKey } from "./proof";

export interface HttpResult {
  status: number;
  headers: Record<string, string>;
  body: any;
}

/** Plain HTTP through undici; headers are flattened to strings. */
export async function http(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<HttpResult> {
  const res = await request(url, { method: (opts.method ?? "GET") as "GET", headers: opts.headers, body: opts.body });
  const text = await res.body.text();
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) headers[k] = Array.isArray(v) ? v.join(", ") : String(v);
  let body: any = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* keep text */
  }
  return { status: res.statusCode, headers, body };
}

/** A merchant as a test drives it: its credentials, key, and helpers that build correct requests by default. */
export class Merchant {
  readonly key: TestKey;
  token?: string;

  constructor(
    readonly emu: Emulator,
    readonly creds: EmulatorCredentials,
  ) {
    this.key = keyFromPem(creds.dpopPrivateKeyPem, creds.alg);
  }

  basic(): string {
    return `Basic ${Buffer.from(`${this.creds.clientId}:${this.creds.clientSecret}`).toString("base64")}`;
  }

  /** POST /oauth/token; `proof` overrides let a test break one thing. */
  async tokenRequest(proof: Partial<ProofOptions> | string = {}, extra: { headers?: Record<string, string>; body?: string } = {}): Promise<HttpResult> {
    const htu = `${this.emu.url}/oauth/token`;
    const dpop = typeof proof === "string" ? proof : await buildProof({ key: this.key, htm: "POST", htu, ...proof });
    return http(htu, {
      method: "POST",
      headers: { authorization: this.basic(), "content-type": "application/x-www-form-urlencoded", ...(dpop ? { dpop } : {}), ...extra.headers },
      body: extra.body ?? "grant_type=client_credentials",
    });
  }

  async login(): Promise<string> {
    const res = await this.tokenRequest();
    if (res.status !== 200) throw new Error(`token request failed: ${res.status}`);
    this.token = res.body.access_token;
    return this.token!;
  }

  /** A /v1 call with a correct DPoP proof unless `proof`/`headers` say otherwise. */
  async call(
    method: string,
    path: string,
    opts: { body?: unknown; proof?: Partial<ProofOptions> | string | null; headers?: Record<string, string>; token?: string } = {},
  ): Promise<HttpResult> {
    const token = opts.token ?? this.token ?? (await this.login());
    const url = `${this.emu.url}${path}`;
    const htu = url.split("?")[0]!;
    let dpop: string | undefined;
    if (typeof opts.proof === "string") dpop = opts.proof;
    else if (opts.proof !== null) dpop = await buildProof({ key: this.key, htm: method, htu, token, ...opts.proof });
    const body = opts.body === undefined ? undefined : typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
    return http(url, {
      method,
      body,
      headers: {
        authorization: `DPoP ${token}`,
        ...(dpop ? { dpop } : {}),
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...opts.headers,
      },
    });
  }

  createWebhook(body: unknown = { url: "https://hooks.example.com/anton", events: ["payout.completed"] }, key = `idem-${Math.random()}`) {
    return this.call("POST", "/v1/webhooks", { body, headers: { "idempotency-key": key } });
  }
}

/** Starts an emulator (no key file unless asked) and returns it with the demo merchant. */
export async function setup(options: EmulatorOptions = {}): Promise<{ emu: Emulator; merchant: Merchant }> {
  const emu = await startEmulator({ keyFile: false, ...options });
  return { emu, merchant: new Merchant(emu, emu.credentials) };
}
