/**
 * DPoP key import. Anton issues EC P-256 (ES256) or Ed25519 (EdDSA) keys; any
 * other key is a configuration error reported without revealing key material.
 */
import { createHash, createPrivateKey, createPublicKey, KeyObject, type JsonWebKey } from "node:crypto";
import { AntonConfigError } from "./errors";

/** JWS algorithms the client can sign DPoP proofs with. "Ed25519" is the fully specified name (RFC 9864) for EdDSA over Ed25519. */
export type DpopAlg = "ES256" | "EdDSA" | "Ed25519";

/** Accepted key inputs: PKCS#8 (or SEC1) PEM, a private JWK (object or JSON string), or a private KeyObject. */
export type DpopKeyInput = string | Record<string, unknown> | KeyObject;

/** A validated signing key plus the public material that goes into every proof header. */
export interface DpopKey {
  readonly privateKey: KeyObject;
  readonly alg: DpopAlg;
  /** Public JWK (kty, crv, x[, y]) for the proof's `jwk` header. */
  readonly publicJwk: Readonly<Record<string, string>>;
  /** RFC 7638 SHA-256 thumbprint (base64url), i.e. the token's `cnf.jkt`. */
  readonly thumbprint: string;
  /** The private scalar, so the redactor can recognise it if it is ever echoed. */
  readonly privateScalar: string;
}

const ALGS: readonly DpopAlg[] = ["ES256", "EdDSA", "Ed25519"];

/** Validates and imports a DPoP key. `field` names the setting in error messages. */
export function importDpopKey(input: unknown, alg: unknown, field: string, algField: string): DpopKey {
  const fail = (message: string, code: "invalid_config" | "missing_config" = "invalid_config"): never => {
    throw new AntonConfigError(field, code, `${field} ${message}`);
  };
  if (input === undefined || input === null || (typeof input === "string" && input.trim() === "")) {
    return fail("is not set. Provide the DPoP private key the Anton portal generated (PKCS#8 PEM or JWK JSON).", "missing_config");
  }
  if (alg !== undefined && !ALGS.includes(alg as DpopAlg)) {
    throw new AntonConfigError(algField, "invalid_config", `${algField} must be one of ES256, EdDSA or Ed25519 (or unset to derive it from the key).`);
  }

  let privateKey: KeyObject;
  let jwkAlg: unknown;
  if (input instanceof KeyObject) {
    if (input.type !== "private") fail(`is a ${input.type} key; a private key is required (the Anton portal gives you the private half).`);
    privateKey = input;
  } else if (typeof input === "string" || (typeof input === "object" && !Array.isArray(input))) {
    let jwk: Record<string, unknown> | undefined;
    let pem: string | undefined;
    if (typeof input === "string") {
      const text = input.trim();
      if (text.startsWith("{")) {
        try {
          jwk = JSON.parse(text) as Record<string, unknown>;
        } catch {
          fail("looks like JSON but does not parse; provide the private JWK exactly as exported.");
        }
        if (!jwk || typeof jwk !== "object" || Array.isArray(jwk)) fail("must be a JWK object.");
      } else if (text.includes("-----BEGIN")) {
        // Env vars and CI secrets often carry PEMs with literal "\n" sequences.
        pem = !text.includes("\n") && text.includes("\\n") ? text.replace(/\\n/g, "\n") : text;
      } else if (/^[./~]|^[A-Za-z]:\\|\.(pem|key|json|jwk)$/i.test(text)) {
        fail("looks like a file path, not a key; pass the key contents, or set ANTON_DPOP_PRIVATE_KEY_FILE to the path.");
      } else {
        fail("is neither a PEM private key nor a JWK; provide the PKCS#8 PEM or JWK JSON from the Anton portal.");
      }
    } else {
      jwk = input as Record<string, unknown>;
    }
    if (pem !== undefined) {
      if (/-----BEGIN (RSA |EC )?PUBLIC KEY-----|-----BEGIN CERTIFICATE-----/.test(pem)) {
        fail("is a public key (or certificate); the private key is required. Use the private key the Anton portal generated.");
      }
      if (pem.includes("ENCRYPTED PRIVATE KEY")) fail("is an encrypted PEM; provide the unencrypted PKCS#8 private key.");
      try {
        privateKey = createPrivateKey({ key: pem, format: "pem" });
      } catch {
        return fail("could not be parsed as a PEM private key (truncated or garbled?). Paste the complete PKCS#8 PEM including the BEGIN/END lines.");
      }
    } else {
      const j = jwk as Record<string, unknown>;
      if (typeof j.kty !== "string") fail("is not a JWK (no \"kty\" member).");
      if (j.kty === "RSA") fail(rsaMessage());
      if (typeof j.d !== "string" || j.d === "") fail("is a public JWK (no \"d\" member); the private JWK is required.");
      jwkAlg = j.alg;
      try {
        privateKey = createPrivateKey({ key: j as JsonWebKey, format: "jwk" });
      } catch {
        return fail("is not a valid private JWK (malformed members); export the key again from the Anton portal.");
      }
    }
  } else {
    return fail("must be a PEM string, a JWK (object or JSON string) or a KeyObject.");
  }

  const type = privateKey!.asymmetricKeyType;
  let derived: DpopAlg;
  if (type === "ec") {
    const curve = privateKey!.asymmetricKeyDetails?.namedCurve;
    if (curve !== "prime256v1") {
      const name = curve === "secp384r1" ? "P-384" : curve === "secp521r1" ? "P-521" : curve ?? "unknown curve";
      fail(`is an EC ${name} key; Anton accepts EC P-256 (ES256) or Ed25519 keys. Use the key the Anton portal generated.`);
    }
    derived = "ES256";
  } else if (type === "ed25519") {
    derived = "EdDSA";
  } else if (type === "rsa" || type === "rsa-pss") {
    return fail(rsaMessage());
  } else {
    return fail(`is an ${String(type).toUpperCase()} key; Anton accepts EC P-256 (ES256) or Ed25519 keys. Use the key the Anton portal generated.`);
  }

  const fits = (a: unknown) => (derived === "ES256" ? a === "ES256" : a === "EdDSA" || a === "Ed25519");
  if (jwkAlg !== undefined && !fits(jwkAlg)) {
    fail(`declares "alg": ${JSON.stringify(String(jwkAlg)).slice(0, 20)} but is ${derived === "ES256" ? "an EC P-256 key (ES256)" : "an Ed25519 key (EdDSA)"}; fix or remove the JWK's alg.`);
  }
  if (alg !== undefined && !fits(alg)) {
    throw new AntonConfigError(
      algField,
      "invalid_config",
      `${algField} is ${String(alg)} but ${field} is ${derived === "ES256" ? "an EC P-256 key, which signs with ES256" : "an Ed25519 key, which signs with EdDSA or Ed25519"}; unset ${algField} or make it match the key.`,
    );
  }
  const chosen = (alg as DpopAlg | undefined) ?? (jwkAlg as DpopAlg | undefined) ?? derived;

  const full = createPublicKey(privateKey!).export({ format: "jwk" }) as Record<string, string>;
  const publicJwk: Record<string, string> =
    full.kty === "EC" ? { kty: "EC", crv: full.crv, x: full.x, y: full.y } : { kty: "OKP", crv: full.crv, x: full.x };
  const privateScalar = (privateKey!.export({ format: "jwk" }) as Record<string, string>).d ?? "";
  return Object.freeze({
    privateKey: privateKey!,
    alg: chosen,
    publicJwk: Object.freeze(publicJwk),
    thumbprint: jwkThumbprint(publicJwk),
    privateScalar,
  });
}

/**
 * RFC 7638 thumbprint. jose's calculateJwkThumbprint is async, but client
 * construction must stay synchronous, so the (tiny, fixed) canonical form is
 * built here; a test pins it to jose's result.
 */
export function jwkThumbprint(jwk: Readonly<Record<string, string>>): string {
  const members = jwk.kty === "EC" ? ["crv", "kty", "x", "y"] : ["crv", "kty", "x"];
  const canonical = `{${members.map((m) => `${JSON.stringify(m)}:${JSON.stringify(jwk[m])}`).join(",")}}`;
  return createHash("sha256").update(canonical).digest("base64url");
}

function rsaMessage(): string {
  return "is an RSA key; Anton accepts EC P-256 (ES256) or Ed25519 keys. Use the key the Anton portal generated.";
}
