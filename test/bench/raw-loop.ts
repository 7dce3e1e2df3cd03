/**
 * The emulator's own ceiling: the least work a client can do per rotation.
 * One token, every DPoP proof pre-signed with jose before the timed loop
 * (unique jti, fresh iat), then bare undici requests over a keep-alive Pool.
 */
import { createPrivateKey, createPublicKey, randomUUID, createHash } from "node:crypto";
import { Pool } from "undici";
import { SignJWT } from "jose";
import type { EmulatorProcess } from "./emulator-process";
import { now } from "./stats";

async function proof(key: ReturnType<typeof createPrivateKey>, jwk: Record<string, unknown>, htm: string, htu: string, token?: string): Promise<string> {
  const claims: Record<string, unknown> = { htm, htu, jti: randomUUID() };
  if (token) claims.ath = createHash("sha256").update(token, "ascii").digest("base64url");
  return new SignJWT(claims).setProtectedHeader({ typ: "dpop+jwt", alg: "ES256", jwk }).setIssuedAt().sign(key);
}

/** Rotations per second of a minimal loop with `connections` sockets; throws if any rotation fails. */
export async function rawRotationsPerSecond(emulator: EmulatorProcess, ids: string[], connections: number): Promise<{ rps: number; ms: number }> {
  const key = createPrivateKey(emulator.credentials.dpopPrivateKeyPem);
  const { kty, crv, x, y } = createPublicKey(key).export({ format: "jwk" });
  const jwk = { kty, crv, x, y };
  const pool = new Pool(emulator.url, { connections, pipelining: 1 });
  try {
    const basic = Buffer.from(`${encodeURIComponent(emulator.credentials.clientId)}:${encodeURIComponent(emulator.credentials.clientSecret)}`).toString("base64");
    const tokenRes = await pool.request({
      method: "POST",
      path: "/oauth/token",
      headers: { authorization: `Basic ${basic}`, "content-type": "application/x-www-form-urlencoded", dpop: await proof(key, jwk, "POST", `${emulator.url}/oauth/token`) },
      body: "grant_type=client_credentials",
    });
    const { access_token: token } = (await tokenRes.body.json()) as { access_token: string };
    const signed = await Promise.all(
      ids.map(async (id) => {
        const path = `/v1/webhooks/${id}/secret/rotate`;
        return { path, dpop: await proof(key, jwk, "POST", `${emulator.url}${path}`, token) };
      }),
    );
    const t0 = now();
    const statuses = await Promise.all(
      signed.map(async ({ path, dpop }) => {
        const res = await pool.request({ method: "POST", path, headers: { authorization: `DPoP ${token}`, dpop, "idempotency-key": randomUUID(), accept: "application/json" } });
        await res.body.text();
        return res.statusCode;
      }),
    );
    const ms = now() - t0;
    const bad = statuses.filter((s) => s !== 200);
    if (bad.length) throw new Error(`raw loop: ${bad.length} rotations failed (e.g. HTTP ${bad[0]})`);
    return { rps: (ids.length * 1000) / ms, ms };
  } finally {
    await pool.close();
  }
}
