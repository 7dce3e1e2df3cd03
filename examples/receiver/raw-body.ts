import type { IncomingMessage } from "node:http";

/** The body could not be read in full: it was larger than allowed, or the client went away. */
export type RawBodyResult = { ok: true; body: Buffer } | { ok: false; reason: "too_large" | "aborted" };

/**
 * Collects the exact request bytes (signatures are over bytes, so nothing is decoded or
 * re-serialized), stopping as soon as more than `maxBytes` have arrived.
 */
export function readRawBody(req: IncomingMessage, maxBytes: number): Promise<RawBodyResult> {
  const declared = Number(req.headers["content-length"]);
  // Refuse before reading a byte when the sender already says it is too big.
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.resolve({ ok: false, reason: "too_large" });

  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (result: RawBodyResult) => {
      if (settled) return;
      settled = true;
      req.off("data", onData);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.pause();
        finish({ ok: false, reason: "too_large" });
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.once("end", () => finish({ ok: true, body: Buffer.concat(chunks, size) }));
    req.once("error", () => finish({ ok: false, reason: "aborted" }));
    req.once("close", () => finish(req.complete ? { ok: true, body: Buffer.concat(chunks, size) } : { ok: false, reason: "aborted" }));
  });
}
