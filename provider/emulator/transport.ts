import type { IncomingMessage, ServerResponse } from "node:http";
import type { Reply } from "./reply";

export const MAX_BODY_BYTES = 1024 * 1024;

/** Reads the body up to {@link MAX_BODY_BYTES}; `undefined` when it is larger. */
export function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on("data", (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        over = true;
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (!over) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    });
    req.on("error", reject);
  });
}

/** Writes a reply as JSON with the headers every emulator response carries (request id, `Date` on the server clock). */
export function writeReply(res: ServerResponse, id: string, serverNowMs: number, reply: Reply): void {
  const body = reply.body === undefined ? undefined : JSON.stringify(reply.body);
  res.statusCode = reply.status;
  res.setHeader("X-Request-ID", id);
  res.setHeader("Date", new Date(serverNowMs).toUTCString());
  res.setHeader("Cache-Control", "no-store");
  if (body !== undefined) {
    res.setHeader("Content-Type", "application/json; charset=utf-8");
    res.setHeader("Content-Length", Buffer.byteLength(body));
  }
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
  res.end(body);
}
