/** Key material in the wrong shapes, for bad-input tables and leak scans. Generated per run. */
import { generateKeyPairSync } from "node:crypto";

export interface BadKeys {
  rsaPem: string;
  p384Pem: string;
  publicPem: string;
  truncatedPem: string;
  encryptedPem: string;
  publicJwkJson: string;
  rsaJwkJson: string;
  ed25519Pem: string;
}

export function badKeys(): BadKeys {
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const p384 = generateKeyPairSync("ec", { namedCurve: "P-384" });
  const p256 = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const ed = generateKeyPairSync("ed25519");
  const p256Pem = p256.privateKey.export({ format: "pem", type: "pkcs8" }).toString();
  const lines = p256Pem.trim().split("\n");
  const publicJwk = p256.publicKey.export({ format: "jwk" });
  return {
    rsaPem: rsa.privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
    p384Pem: p384.privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
    publicPem: p256.publicKey.export({ format: "pem", type: "spki" }).toString(),
    // BEGIN line and half the body: what a copy/paste cut short looks like.
    truncatedPem: lines.slice(0, 2).join("\n") + "\n",
    encryptedPem: p256.privateKey.export({ format: "pem", type: "pkcs8", cipher: "aes-256-cbc", passphrase: "pw" }).toString(),
    publicJwkJson: JSON.stringify(publicJwk),
    rsaJwkJson: JSON.stringify(rsa.privateKey.export({ format: "jwk" })),
    ed25519Pem: ed.privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
  };
}

/** Fragments of a key that must never appear in an error: PEM body lines and JWK members. */
export function keyFragments(key: string): string[] {
  if (key.trim().startsWith("{")) {
    const jwk = JSON.parse(key) as Record<string, unknown>;
    return ["d", "p", "q", "x", "y", "n"].map((m) => jwk[m]).filter((v): v is string => typeof v === "string" && v.length > 16);
  }
  return key
    .split("\n")
    .filter((l) => l && !l.startsWith("-----"))
    .map((l) => l.slice(0, 40))
    .filter((l) => l.length >= 24);
}
