import { generateKeyPairSync, createPublicKey } from "node:crypto";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { calculateJwkThumbprint } from "jose";
import { describe, expect, it } from "vitest";
import { validateOptions } from "../../provider/client/options";
import { AntonClient, AntonConfigError, ANTON_ENVIRONMENTS, credentialFingerprint, resolveClientOptions, CLIENT_VERSION, Secret, type AntonClientOptions } from "../../provider/client";
import { importDpopKey, jwkThumbprint } from "../../provider/client/keys";
import { ecKeyPem, edKeyPem } from "./support";

const base = (): AntonClientOptions => ({
  apiUrl: "https://api.antonpayments.dev",
  clientId: "ant_oc_sandbox_0123456789abcdef0123456789abcdef",
  clientSecret: "ant_ocs_sandbox_0123456789abcdef0123456789abcdef0123456789abcdef",
  dpopPrivateKey: ecKeyPem(),
});

function configError(fn: () => unknown): AntonConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AntonConfigError);
    return err as AntonConfigError;
  }
  throw new Error("expected an AntonConfigError");
}

const pem = (k: { export(o: object): string | Buffer }, type = "pkcs8") => k.export({ format: "pem", type }).toString();

describe("key validation", () => {
  const sources = { dpopPrivateKey: "anton:dpopPrivateKey (or ANTON_DPOP_PRIVATE_KEY)", dpopAlg: "anton:dpopAlg (or ANTON_DPOP_ALG)" };
  const cases: Array<[string, () => unknown, RegExp]> = [
    ["RSA", () => pem(generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey), /is an RSA key; Anton accepts EC P-256 \(ES256\) or Ed25519 keys/],
    ["P-384", () => pem(generateKeyPairSync("ec", { namedCurve: "P-384" }).privateKey), /is an EC P-384 key/],
    ["X25519", () => pem(generateKeyPairSync("x25519").privateKey), /is an X25519 key/],
    ["public PEM", () => pem(generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey, "spki"), /is a public key/],
    ["public KeyObject", () => generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey, /is a public key/],
    ["truncated PEM", () => ecKeyPem().slice(0, 120) + "\n-----END PRIVATE KEY-----\n", /could not be parsed.*truncated or garbled/],
    ["garbled PEM", () => ecKeyPem().replace(/[A-Za-z]{10}/, "!!!!!!!!!!"), /could not be parsed/],
    ["JWK without d", () => { const j = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" }); delete j.d; return j; }, /public JWK \(no "d" member\)/],
    ["JWK JSON without d", () => { const j = generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" }); delete j.d; return JSON.stringify(j); }, /public JWK/],
    ["JWK alg contradicts key", () => ({ ...generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" }), alg: "ES256" }), /declares "alg".*Ed25519 key/],
    ["RSA JWK", () => generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" }), /is an RSA key/],
    ["bad JSON", () => "{ not json", /does not parse/],
    ["file path", () => "./keys/anton.pem", /looks like a file path/],
    ["random text", () => "hello", /neither a PEM private key nor a JWK/],
  ];
  for (const [name, make, message] of cases) {
    it(`rejects ${name} naming the field, without key material`, () => {
      const key = make();
      const err = configError(() => new AntonClient({ ...base(), dpopPrivateKey: key as string, sources }));
      expect(err.field).toBe(sources.dpopPrivateKey);
      expect(err.code).toBe("invalid_config");
      expect(err.message).toMatch(message);
      expect(err.message.startsWith(sources.dpopPrivateKey)).toBe(true);
      expect(err.message).not.toMatch(/-----BEGIN|"d":|"x":/);
      if (typeof key === "string" && key.length > 60) expect(err.message).not.toContain(key.slice(30, 60));
    });
  }

  it("rejects a dpopAlg that does not fit the key, naming dpopAlg", () => {
    const err = configError(() => new AntonClient({ ...base(), dpopAlg: "EdDSA", sources }));
    expect(err.field).toBe(sources.dpopAlg);
    expect(err.message).toMatch(/is EdDSA but .* is an EC P-256 key, which signs with ES256/);
    const err2 = configError(() => new AntonClient({ ...base(), dpopPrivateKey: edKeyPem(), dpopAlg: "ES256" }));
    expect(err2.field).toBe("dpopAlg");
    expect(configError(() => new AntonClient({ ...base(), dpopAlg: "HS256" as never })).message).toMatch(/one of ES256, EdDSA or Ed25519/);
  });

  it("derives alg from the key and honours Ed25519 / JWK alg", () => {
    expect(importDpopKey(ecKeyPem(), undefined, "k", "a").alg).toBe("ES256");
    expect(importDpopKey(edKeyPem(), undefined, "k", "a").alg).toBe("EdDSA");
    expect(importDpopKey(edKeyPem(), "Ed25519", "k", "a").alg).toBe("Ed25519");
    const jwk = { ...generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" }), alg: "Ed25519" };
    expect(importDpopKey(jwk, undefined, "k", "a").alg).toBe("Ed25519");
    expect(importDpopKey(JSON.stringify(jwk), undefined, "k", "a").alg).toBe("Ed25519");
  });

  it("accepts PEMs with literal \\n sequences (as env vars often carry them)", () => {
    const k = ecKeyPem();
    const flat = k.replace(/\n/g, "\\n");
    expect(importDpopKey(flat, undefined, "k", "a").thumbprint).toBe(importDpopKey(k, undefined, "k", "a").thumbprint);
  });

  it("computes the RFC 7638 thumbprint exactly as jose does, and exposes only public members", async () => {
    for (const kind of ["ec", "ed25519"] as const) {
      const { privateKey } = kind === "ec" ? generateKeyPairSync("ec", { namedCurve: "P-256" }) : generateKeyPairSync("ed25519");
      const k = importDpopKey(privateKey, undefined, "k", "a");
      const pub = createPublicKey(privateKey).export({ format: "jwk" });
      expect(k.thumbprint).toBe(await calculateJwkThumbprint(pub as never));
      expect(jwkThumbprint(k.publicJwk)).toBe(k.thumbprint);
      expect(Object.keys(k.publicJwk).sort()).toEqual(kind === "ec" ? ["crv", "kty", "x", "y"] : ["crv", "kty", "x"]);
    }
  });
});

describe("apiUrl validation", () => {
  const bad: Array<[string, RegExp]> = [
    ["http://api.antonpayments.com", /plain http:\/\/ for a non-loopback host/],
    ["http://10.0.0.5:8080", /plain http:\/\//],
    ["http://127.example.com", /plain http:\/\//],
    ["https://user:hunter2pw@api.antonpayments.com", /username or password/],
    ["https://api.antonpayments.com?x=1", /query string/],
    ["https://api.antonpayments.com/#frag", /fragment/],
    ["https://api.antonpayments.com/v1", /has a path/],
    ["ftp://api.antonpayments.com", /unsupported scheme/],
    ["not a url", /not a valid URL/],
  ];
  for (const [url, msg] of bad) {
    it(`refuses ${url} at construction`, () => {
      const err = configError(() => new AntonClient({ ...base(), apiUrl: url, sources: { apiUrl: "anton:apiUrl" } }));
      expect(err.field).toBe("anton:apiUrl");
      expect(err.message).toMatch(msg);
      expect(err.message).not.toContain("hunter2pw");
    });
  }
  it("allows http only for loopback", () => {
    for (const url of ["http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:9", "http://127.1.2.3", "https://api.antonpayments.com/"]) {
      expect(new AntonClient({ ...base(), apiUrl: url }).toJSON().apiUrl).toBe(new URL(url).origin);
    }
  });
});

describe("credentials and other options", () => {
  it("treats empty or whitespace credentials as missing, and refuses padded secrets instead of trimming", () => {
    expect(configError(() => new AntonClient({ ...base(), clientSecret: "" })).code).toBe("missing_config");
    expect(configError(() => new AntonClient({ ...base(), clientSecret: "   " })).field).toBe("clientSecret");
    expect(configError(() => new AntonClient({ ...base(), clientId: "" })).field).toBe("clientId");
    const padded = configError(() => new AntonClient({ ...base(), clientSecret: "ant_ocs_sandbox_abc123 \n", sources: { clientSecret: "ANTON_CLIENT_SECRET" } }));
    expect(padded.message).toMatch(/^ANTON_CLIENT_SECRET has leading or trailing whitespace/);
    expect(padded.message).not.toContain("abc123");
  });
  it("validates maxConcurrency, retry and timeouts", () => {
    for (const mc of [0, 257, 1.5, NaN]) expect(configError(() => new AntonClient({ ...base(), maxConcurrency: mc })).field).toBe("maxConcurrency");
    expect(configError(() => new AntonClient({ ...base(), retry: { maxAttempts: 0 } })).field).toBe("retry.maxAttempts");
    expect(configError(() => new AntonClient({ ...base(), timeouts: { headersMs: -1 } })).field).toBe("timeouts.headersMs");
  });
  it("is safe to log: inspect and JSON show only apiUrl, clientId, alg, thumbprint", async () => {
    const { inspect } = await import("node:util");
    const o = base();
    const client = new AntonClient(o);
    expect(Object.keys(client.toJSON()).sort()).toEqual(["alg", "apiUrl", "clientId", "thumbprint"]);
    for (const s of [inspect(client, { showHidden: true, depth: 10 }), JSON.stringify(client), String(Object.keys(client))]) {
      expect(s).not.toContain(o.clientSecret);
      expect(s).not.toContain("PRIVATE");
    }
  });
  it("credentialFingerprint is stable, hex, and changes with any credential part", () => {
    const o = base();
    const fp = credentialFingerprint(o);
    expect(fp).toMatch(/^[0-9a-f]{64}$/);
    expect(credentialFingerprint({ ...o })).toBe(fp);
    expect(credentialFingerprint({ ...o, clientSecret: o.clientSecret + "x" })).not.toBe(fp);
    expect(credentialFingerprint({ ...o, dpopPrivateKey: ecKeyPem() })).not.toBe(fp);
    expect(credentialFingerprint({ ...o, apiUrl: ANTON_ENVIRONMENTS.production })).not.toBe(fp);
    expect(fp).not.toContain(o.clientSecret);
  });
  it("CLIENT_VERSION matches package.json", async () => {
    const pkg = (await import("../../package.json")).default as { version: string };
    expect(CLIENT_VERSION).toBe(pkg.version);
  });
});

describe("resolveClientOptions", () => {
  const env = () => ({
    ANTON_ENVIRONMENT: "sandbox",
    ANTON_CLIENT_ID: "ant_oc_sandbox_env",
    ANTON_CLIENT_SECRET: "ant_ocs_sandbox_envsecret",
    ANTON_DPOP_PRIVATE_KEY: ecKeyPem(),
  });
  it("reads env, and config wins over env", () => {
    const fromEnv = resolveClientOptions({ env: env() });
    expect(fromEnv.apiUrl).toBe(ANTON_ENVIRONMENTS.sandbox);
    expect(fromEnv.clientId).toBe("ant_oc_sandbox_env");
    const cfg: Record<string, string> = { "anton:environment": "production", "anton:clientId": "ant_oc_production_cfg", "anton:maxConcurrency": "4", "anton:dpopAlg": "ES256" };
    const r = resolveClientOptions({ env: env(), config: (k) => cfg[k] });
    expect(r.apiUrl).toBe(ANTON_ENVIRONMENTS.production);
    expect(r.clientId).toBe("ant_oc_production_cfg");
    // Credentials come back wrapped (never shown by inspect/JSON/spread), yet are the same credential set.
    expect(r.clientSecret).toBeInstanceOf(Secret);
    expect(String(r.clientSecret)).toBe("[redacted]");
    expect(credentialFingerprint(r)).toBe(credentialFingerprint({ ...r, clientSecret: "ant_ocs_sandbox_envsecret" }));
    expect(credentialFingerprint(r)).not.toBe(credentialFingerprint({ ...r, clientSecret: "ant_ocs_sandbox_other" }));
    expect(r.maxConcurrency).toBe(4);
    expect(r.dpopAlg).toBe("ES256");
    // An explicit URL beats an environment name.
    expect(resolveClientOptions({ env: { ...env(), ANTON_API_URL: "http://127.0.0.1:9" } }).apiUrl).toBe("http://127.0.0.1:9");
    expect(resolveClientOptions({ env: env(), config: (k) => (k === "anton:apiUrl" ? "http://localhost:1" : undefined) }).apiUrl).toBe("http://localhost:1");
  });
  it("names both the config key and the env var for missing or invalid fields", () => {
    const missing = (drop: string) => configError(() => resolveClientOptions({ env: Object.fromEntries(Object.entries(env()).filter(([k]) => k !== drop)) }));
    let e = missing("ANTON_CLIENT_SECRET");
    expect(e.code).toBe("missing_config");
    expect(e.field).toBe("anton:clientSecret (or ANTON_CLIENT_SECRET)");
    expect(e.message).toMatch(/pulumi config set --secret anton:clientSecret/);
    e = missing("ANTON_CLIENT_ID");
    expect(e.message).toMatch(/anton:clientId \(or ANTON_CLIENT_ID\)/);
    e = missing("ANTON_ENVIRONMENT");
    expect(e.message).toMatch(/anton:environment.*ANTON_ENVIRONMENT.*anton:apiUrl \/ ANTON_API_URL/);
    e = missing("ANTON_DPOP_PRIVATE_KEY");
    expect(e.message).toMatch(/anton:dpopPrivateKey \(or ANTON_DPOP_PRIVATE_KEY or ANTON_DPOP_PRIVATE_KEY_FILE\)/);
    e = configError(() => resolveClientOptions({ env: { ...env(), ANTON_ENVIRONMENT: "staging" } }));
    expect(e.field).toBe("ANTON_ENVIRONMENT");
    e = configError(() => resolveClientOptions({ env: { ...env(), ANTON_MAX_CONCURRENCY: "lots" } }));
    expect(e.field).toBe("anton:maxConcurrency (or ANTON_MAX_CONCURRENCY)");
    e = configError(() => resolveClientOptions({ env: { ...env(), ANTON_DPOP_PRIVATE_KEY: pem(generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey) } }));
    expect(e.message).toMatch(/^anton:dpopPrivateKey \(or ANTON_DPOP_PRIVATE_KEY or ANTON_DPOP_PRIVATE_KEY_FILE\) is an RSA key/);
    e = configError(() => resolveClientOptions({ env: { ...env(), ANTON_API_URL: "http://api.antonpayments.com" } }));
    expect(e.field).toMatch(/anton:apiUrl.*ANTON_API_URL/);
  });
  it("reads ANTON_DPOP_PRIVATE_KEY_FILE, and refuses both key sources at once", () => {
    const dir = mkdtempSync(join(tmpdir(), "anton-key-"));
    const file = join(dir, "key.pem");
    writeFileSync(file, edKeyPem(), { mode: 0o600 });
    const { ANTON_DPOP_PRIVATE_KEY: _k, ...rest } = env();
    const r = resolveClientOptions({ env: { ...rest, ANTON_DPOP_PRIVATE_KEY_FILE: file } });
    expect(new AntonClient(r).toJSON().alg).toBe("EdDSA");
    expect(configError(() => resolveClientOptions({ env: { ...env(), ANTON_DPOP_PRIVATE_KEY_FILE: file } })).message).toMatch(/set only one/);
    const e = configError(() => resolveClientOptions({ env: { ...rest, ANTON_DPOP_PRIVATE_KEY_FILE: join(dir, "nope.pem") } }));
    expect(e.message).toMatch(/could not be read \(ENOENT\)/);
  });
  it("validates resolved options once: the frozen result is reused by fingerprinting and by the client", () => {
    const r = resolveClientOptions({ env: env() });
    expect(Object.isFrozen(r)).toBe(true);
    expect(validateOptions(r)).toBe(validateOptions(r));
    // A spread copy can be changed, so it is validated afresh.
    expect(validateOptions({ ...r })).not.toBe(validateOptions(r));
    expect(validateOptions({ ...r }).key.thumbprint).toBe(validateOptions(r).key.thumbprint);
  });
  it("fromEnv applies overrides", () => {
    const c = AntonClient.fromEnv(env(), { apiUrl: "http://127.0.0.1:1" });
    expect(c.toJSON().apiUrl).toBe("http://127.0.0.1:1");
  });
});
