import { createHash } from "node:crypto";

const RETENTION_MS = 24 * 3_600_000;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/** A response as the handlers produce it, before faults and transport. */
export interface StoredResponse {
  status: number;
  body: unknown;
}

type Entry =
  | { state: "in_flight"; fingerprint: string; expiresAt: number }
  | { state: "done"; fingerprint: string; expiresAt: number; response: StoredResponse };

export type IdempotencyBegin =
  | { kind: "new"; complete(response: StoredResponse): void; abandon(): void }
  | { kind: "replay"; response: StoredResponse }
  | { kind: "in_use" }
  | { kind: "reused" };

/**
 * Idempotency keys per merchant, kept 24 h. The fingerprint is method + path + a hash of the raw body:
 * the docs speak of "the same request", and byte equality is the strictest reading a client can satisfy.
 */
export class IdempotencyStore {
  private readonly entries = new Map<string, Entry>();

  begin(merchantId: string, key: string, method: string, path: string, rawBody: Buffer, nowMs: number): IdempotencyBegin {
    this.prune(nowMs);
    const slot = `${merchantId}\u0000${key}`;
    const fingerprint = createHash("sha256").update(`${method} ${path}\n`).update(rawBody).digest("base64url");
    const existing = this.entries.get(slot);
    if (existing && existing.expiresAt > nowMs) {
      if (existing.fingerprint !== fingerprint) return { kind: "reused" };
      if (existing.state === "in_flight") return { kind: "in_use" };
      return { kind: "replay", response: existing.response };
    }
    const entry: Entry = { state: "in_flight", fingerprint, expiresAt: nowMs + RETENTION_MS };
    this.entries.delete(slot);
    this.entries.set(slot, entry);
    return {
      kind: "new",
      complete: (response) => {
        this.entries.set(slot, { state: "done", fingerprint, expiresAt: entry.expiresAt, response });
      },
      abandon: () => {
        if (this.entries.get(slot)?.state === "in_flight") this.entries.delete(slot);
      },
    };
  }

  private prune(nowMs: number): void {
    // Insertion order equals expiry order (fixed retention), so stop at the first live entry.
    for (const [slot, entry] of this.entries) {
      if (entry.expiresAt > nowMs) break;
      this.entries.delete(slot);
    }
  }
}
