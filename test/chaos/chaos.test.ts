/**
 * Fault survival: logical rotations through the resource's create path while the
 * emulator injects faults at random (20% of requests). Nothing may be lost and
 * nothing rotated twice. `npm test` runs a small size; `npm run test:chaos`
 * (ANTON_CHAOS_FULL=1) runs 500 rotations over 50 webhooks.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAnton, type AntonFixture } from "../support/anton";
import { runChaos, type ChaosFigures } from "./support";

const FULL = process.env.ANTON_CHAOS_FULL === "1";
const SIZE = FULL ? { rotations: 500, webhooks: 50 } : { rotations: 100, webhooks: 10 };
const SEED = Number(process.env.ANTON_CHAOS_SEED ?? 20261101);

let anton: AntonFixture;
beforeAll(async () => {
  // The per-merchant rate limit is off: injected 429s stand in for it, and 500 rotations would trip the real one.
  anton = await startAnton({ rateLimit: false });
});
afterAll(async () => {
  await anton.emulator.close();
});

function table(f: ChaosFigures): string {
  const rows: Array<[string, string | number]> = [
    ["logical rotations", `${f.rotations} over ${f.webhooks} webhooks (seed ${SEED})`],
    ["successes", f.successes],
    ["failures", `${f.failures} (state unknown: ${f.failuresStateUnknown}, committed anyway: ${f.failuresCommitted})`],
    ["lost secrets", f.lostSecrets],
    ["double rotations", f.doubleRotations],
    ["successes without a rotation", f.missingRotations],
    ["failures claiming 'unchanged' wrongly", f.wrongServerState],
    ["retries used", `${f.retries} ${JSON.stringify(f.retriesByReason)}`],
    ["refresh reads after failures", f.refreshReads],
    ["requests at the emulator", f.requestsAtServer],
    ["faults injected", JSON.stringify(f.faultsInjected)],
    ["failure codes", JSON.stringify(f.failureCodes)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join("\n");
}

describe(`chaos: ${SIZE.rotations} rotations over ${SIZE.webhooks} webhooks, 20% faults`, () => {
  it(
    "loses no secret, never rotates twice, and every failure is an AntonApiError stating the server state",
    async () => {
      const f = await runChaos(anton.emulator, anton.config, { ...SIZE, rate: 0.2, seed: SEED });
      console.log(`chaos figures\n${table(f)}`);
      console.log(`chaos figures (json) ${JSON.stringify({ ...f, seed: SEED })}`);

      expect(f.successes + f.failures).toBe(SIZE.rotations);
      expect(f.lostSecrets).toBe(0);
      expect(f.doubleRotations).toBe(0);
      expect(f.missingRotations).toBe(0);
      expect(f.wrongServerState).toBe(0);
      expect(f.foreignErrors).toEqual([]);
      // The run is only meaningful if the faults actually happened, every kind of them.
      expect(Object.keys(f.faultsInjected).sort()).toEqual(
        ["drop-after-commit", "nonce", "rate-limit-429", "skew", "slow", "status-500", "status-502", "status-503", "status-504", "token-expiry"].sort(),
      );
      expect(f.retries).toBeGreaterThan(0);
      // Faults are ~20% per request and retried; most rotations must still succeed.
      expect(f.successes).toBeGreaterThan(SIZE.rotations * 0.9);
    },
    FULL ? 300_000 : 60_000,
  );
});
