import { inspect } from "node:util";
import { createHash, generateKeyPairSync, timingSafeEqual } from "node:crypto";
import { calculateJwkThumbprint, type JWK } from "jose";
import { clientId, clientSecret } from "./ids";

/** A merchant credential as the portal would hand it out, plus the DPoP keypair generated "in the browser". */
export interface EmulatorCredentials {
  /** `ant_oc_sandbox_<32 hex>` */
  clientId: string;
  /** `ant_ocs_sandbox_<48 hex>`: a throwaway demo value. */
  clientSecret: string;
  /** PKCS#8 PEM of the DPoP private key. */
  dpopPrivateKeyPem: string;
  /** The same key as a private JWK (with `d`). */
  dpopPrivateJwk: Record<string, unknown>;
  alg: "ES256" | "EdDSA";
  /** Path of the written PEM, for the demo client when a key file was written. */
  keyFile?: string;
}

/**
 * The demo merchant's credentials. The secret, the PEM and the JWK are read through accessors on the
 * class, so they are usable by name (`credentials.clientSecret`, destructuring) but no printed,
 * serialized, spread or enumerated view of the object holds them.
 */
class DemoCredentials implements EmulatorCredentials {
  readonly #clientSecret: string;
  readonly #pem: string;
  readonly #jwk: Record<string, unknown>;
  keyFile?: string;

  constructor(
    readonly clientId: string,
    readonly alg: "ES256" | "EdDSA",
    clientSecret: string,
    pem: string,
    jwk: Record<string, unknown>,
  ) {
    this.#clientSecret = clientSecret;
    this.#pem = pem;
    this.#jwk = jwk;
  }

  get clientSecret(): string {
    return this.#clientSecret;
  }

  get dpopPrivateKeyPem(): string {
    return this.#pem;
  }

  get dpopPrivateJwk(): Record<string, unknown> {
    return this.#jwk;
  }

  /** What printing shows (inspect would otherwise call the accessors). */
  [inspect.custom](): string {
    return `EmulatorCredentials ${inspect(this.toJSON())}`;
  }

  toJSON(): Record<string, string> {
    return { clientId: this.clientId, alg: this.alg, ...(this.keyFile ? { keyFile: this.keyFile } : {}), clientSecret: "[redacted]", dpopPrivateKeyPem: "[redacted]" };
  }
}

interface ClientRecord {
  secretDigest: Buffer;
  /** RFC 7638 thumbprint of the registered public key: the only key this client may bind tokens to. */
  jkt: string;
}

const digest = (value: string): Buffer => createHash("sha256").update(value).digest();

/** Registered OAuth clients (merchants). Secrets are kept only as digests, as the docs say Anton does. */
export class ClientRegistry {
  private readonly clients = new Map<string, ClientRecord>();

  async create(keyAlg: "ES256" | "Ed25519" = "ES256"): Promise<EmulatorCredentials> {
    const { privateKey, publicKey } =
      keyAlg === "Ed25519" ? generateKeyPairSync("ed25519") : generateKeyPairSync("ec", { namedCurve: "P-256" });
    const publicJwk = publicKey.export({ format: "jwk" }) as JWK;
    const credentials: EmulatorCredentials = new DemoCredentials(
      clientId(),
      keyAlg === "Ed25519" ? "EdDSA" : "ES256",
      clientSecret(),
      privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
      privateKey.export({ format: "jwk" }) as Record<string, unknown>,
    );
    this.clients.set(credentials.clientId, {
      secretDigest: digest(credentials.clientSecret),
      jkt: await calculateJwkThumbprint(publicJwk),
    });
    return credentials;
  }

  /** Checks `Authorization: Basic b64(id:secret)`; returns the client id and its registered key thumbprint. */
  authenticate(authorization: string | undefined): { clientId: string; jkt: string } | undefined {
    const match = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(authorization ?? "");
    if (!match) return undefined;
    const decoded = Buffer.from(match[1]!, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return undefined;
    // RFC 6749 §2.3.1 form-encodes both parts before base64; Anton's ids and secrets need no encoding, but decode anyway.
    let id: string;
    let secret: string;
    try {
      id = decodeURIComponent(decoded.slice(0, colon));
      secret = decodeURIComponent(decoded.slice(colon + 1));
    } catch {
      return undefined;
    }
    const record = this.clients.get(id);
    // Compare digests even for unknown clients so timing does not reveal which ids exist.
    const expected = record?.secretDigest ?? digest("\u0000unknown-client");
    const ok = timingSafeEqual(expected, digest(secret));
    return ok && record ? { clientId: id, jkt: record.jkt } : undefined;
  }
}
