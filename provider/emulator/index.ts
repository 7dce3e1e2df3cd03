/**
 * Local Anton Payments API emulator: OAuth client_credentials + DPoP (RFC 9449), webhook subscriptions
 * with secret rotation, signed test deliveries, rate limits, idempotency and injectable faults.
 * Strict on purpose: a client that passes against it has followed the documented protocol.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import type { AddressInfo } from "node:net";
import { generateKeyPairSync } from "node:crypto";
import { calculateJwkThumbprint, type JWK } from "jose";
import { EmulatorApp } from "./app";
import { ClientRegistry, type EmulatorCredentials } from "./clients";
import { Counters, type EmulatorState } from "./counters";
import { Faults, type FaultController } from "./faults";
import { IdempotencyStore } from "./idempotency";
import { NonceManager } from "./nonces";
import { RateLimiter } from "./rate-limiter";
import { TokenStore } from "./tokens";
import { WebhookStore, snapshot, type EmulatorWebhook } from "./webhook-store";
import { webhookRoutes } from "./webhook-routes";
import { adminRoutes } from "./admin";
import { withRedactedPrint } from "./redacted";
import { validateEmulatorOptions, type EmulatorOptions } from "./options";

export type { EmulatorCredentials } from "./clients";
export type { EmulatorState } from "./counters";
export type { ChaosKind, FaultController } from "./faults";
export type { EmulatorWebhook } from "./webhook-store";
export { signPayload, type SignatureScheme } from "./signing";
export { EmulatorOptionError, validateEmulatorOptions, type EmulatorOptions } from "./options";

/** A running emulator. */
export interface Emulator {
  /** Base URL, e.g. "http://127.0.0.1:PORT" (https when `tls` is set). */
  url: string;
  /** The demo merchant, created at start: client id and secret, and its DPoP key (PEM, JWK and key file). */
  credentials: EmulatorCredentials;
  /**
   * The demo merchant as the environment variables the provider and `anton-api` read (`ANTON_API_URL`,
   * `ANTON_CLIENT_ID`, `ANTON_CLIENT_SECRET`, `ANTON_DPOP_PRIVATE_KEY`). Throwaway values, valid only here.
   */
  env: Record<string, string>;
  /** Counters and webhooks, read without HTTP. */
  state: EmulatorState;
  /** Queue failures, delays, nonce challenges, clock skew or chaos. */
  faults: FaultController;
  /** Registers another merchant with its own DPoP key. */
  addClient(opts?: { keyAlg?: "ES256" | "Ed25519" }): Promise<EmulatorCredentials>;
  /** Creates a webhook for the demo merchant directly (no HTTP, no counters). */
  createWebhook(opts?: { url?: string; events?: string[] }): EmulatorWebhook;
  /** Rotates as the portal would: not an API request, but it does count in `rotations`. Returns the new secret. */
  rotateOutOfBand(id: string): string;
  deleteWebhook(id: string): void;
  /** Closes the server and every keep-alive socket. */
  close(): Promise<void>;
}

/** Starts an emulator; resolves once it is listening. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  validateEmulatorOptions(options);
  const now = options.now ?? Date.now;
  const host = options.host ?? "127.0.0.1";
  const grace = { value: Math.max(0, options.graceSeconds ?? 0) };
  const clients = new ClientRegistry();
  const tokens = new TokenStore();
  const store = new WebhookStore();
  const faults = new Faults({ expireTokens: () => tokens.expireAll(now()), setGrace: (s) => (grace.value = s) });
  const counters = new Counters(store, faults);
  const rateLimit = options.rateLimit === undefined ? { limit: 1000, windowMs: 60_000 } : options.rateLimit;
  const aborter = new AbortController();

  const credentials = await clients.create(options.keyAlg ?? "ES256");
  let keyDir: string | undefined;
  if (options.keyFile !== false) {
    let path = options.keyFile;
    if (path === undefined) {
      keyDir = mkdtempSync(join(tmpdir(), "anton-emulator-"));
      path = join(keyDir, "dpop-private-key.pem");
    }
    writeFileSync(path, credentials.dpopPrivateKeyPem, { mode: 0o600 });
    credentials.keyFile = path;
  }

  const app = new EmulatorApp({
    scheme: options.tls ? "https" : "http",
    now,
    log: options.log,
    tokenTtlSeconds: options.tokenTtlSeconds ?? 3600,
    signatureScheme: options.signatureScheme ?? "A",
    graceSeconds: grace,
    clients,
    tokens,
    webhooks: store,
    faults,
    counters,
    nonces: new NonceManager(now()),
    limiter: rateLimit ? new RateLimiter(rateLimit.limit, rateLimit.windowMs) : undefined,
    idempotency: new IdempotencyStore(),
    jwks: await signingJwks(),
    admin: adminRoutes(faults, counters),
    resource: webhookRoutes({
      store,
      now,
      graceSeconds: () => grace.value,
      signatureScheme: options.signatureScheme ?? "A",
      signal: aborter.signal,
    }),
  });

  const server: Server = options.tls
    ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert, minVersion: options.tls.minVersion, maxVersion: options.tls.maxVersion }, app.handle)
    : createHttpServer(app.handle);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  }).catch((err: unknown) => {
    // Nothing is listening, so nothing will call close(): the key file goes now.
    if (keyDir) rmSync(keyDir, { recursive: true, force: true });
    throw err;
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(":") ? `[${host}]` : host;

  const demoMerchant = credentials.clientId;
  const url = `${options.tls ? "https" : "http"}://${urlHost}:${port}`;
  let closing: Promise<void> | undefined;
  const emulator: Emulator = {
    url,
    credentials,
    env: withRedactedPrint(
      {
        ANTON_API_URL: url,
        ANTON_CLIENT_ID: credentials.clientId,
        ANTON_CLIENT_SECRET: credentials.clientSecret,
        ANTON_DPOP_PRIVATE_KEY: credentials.dpopPrivateKeyPem,
      },
      ["ANTON_CLIENT_SECRET", "ANTON_DPOP_PRIVATE_KEY"],
    ),
    state: counters,
    faults,
    addClient: (opts) => clients.create(opts?.keyAlg ?? "ES256"),
    createWebhook: (opts = {}) =>
      snapshot(store.create(demoMerchant, { url: opts.url ?? "http://127.0.0.1:9/webhooks", events: opts.events ?? ["*"] }, now())),
    rotateOutOfBand: (id) => {
      if (!store.get(id)) throw new RangeError("unknown webhook id");
      return store.rotate(id, grace.value, now());
    },
    deleteWebhook: (id) => {
      store.delete(id);
    },
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        app.shutdown();
        aborter.abort();
        server.close(() => resolve());
        server.closeAllConnections();
        if (keyDir) rmSync(keyDir, { recursive: true, force: true });
      })),
  };
  // Printed, an emulator shows where it listens and whose it is: never its credentials or its webhooks' secrets.
  const shown = () => ({ url, clientId: credentials.clientId });
  Object.defineProperty(emulator, inspect.custom, { value: () => `Emulator ${inspect(shown())}`, enumerable: false });
  Object.defineProperty(emulator, "toJSON", { value: shown, enumerable: false });
  return emulator;
}

/** A published signing key, as the real API publishes its JWKS; the emulator never signs with it. */
async function signingJwks(): Promise<{ keys: Array<Record<string, unknown>> }> {
  const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = publicKey.export({ format: "jwk" }) as JWK;
  return { keys: [{ ...jwk, kid: await calculateJwkThumbprint(jwk), alg: "ES256", use: "sig" }] };
}
