import { once } from "node:events";
import { createServer, request, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSignatureHeaders, safeVerifyWebhookSignature } from "../../provider/signature";
import { CURRENT_SECRET, PREVIOUS_SECRET, refSign } from "./fixtures";

// A receiver as users write it: raw bytes from the socket, Node's req.headers, real clock.
async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    void readBody(req).then((rawBody) => {
      const useWhatwg = req.url === "/whatwg";
      const headers = useWhatwg ? new Headers(Object.entries(req.headersDistinct).flatMap(([k, vs]) => (vs ?? []).map((v) => [k, v] as [string, string]))) : req.headers;
      const result = safeVerifyWebhookSignature({ rawBody, headers, secrets: [CURRENT_SECRET, PREVIOUS_SECRET] });
      res.writeHead(result.ok ? 200 : 400, { "content-type": "application/json" });
      res.end(JSON.stringify(result.ok ? result : { code: result.error.code, header: result.error.header }));
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.close();
  await once(server, "close");
});

/** Sends with node:http so repeated header lines go on the wire as separate lines. */
async function send(path: string, headers: Record<string, string | string[]>, body: Buffer): Promise<{ status: number; json: Record<string, unknown> }> {
  const req = request(`${base}${path}`, { method: "POST", headers: { ...headers, "content-length": String(body.length) } });
  req.end(body);
  const [res] = (await once(req, "response")) as [IncomingMessage];
  return { status: res.statusCode ?? 0, json: JSON.parse((await readBody(res)).toString("utf8")) };
}

const BODY = Buffer.from('{"id":"evt_http","type":"payout.completed","note":"naïve ✓"}', "utf8");
const now = () => Math.floor(Date.now() / 1000);

describe("over real HTTP on 127.0.0.1", () => {
  it("verifies a scheme A delivery signed with the previous secret (secretIndex 1)", async () => {
    const headers = createSignatureHeaders({ secrets: [PREVIOUS_SECRET], body: BODY, eventId: "evt_http" });
    const { status, json } = await send("/", headers, BODY);
    expect(status).toBe(200);
    expect(json).toMatchObject({ ok: true, scheme: "A", secretIndex: 1, eventId: "evt_http" });
  });

  it("verifies a scheme B delivery sent with fetch", async () => {
    const headers = createSignatureHeaders({ secrets: [CURRENT_SECRET], body: BODY, scheme: "B" });
    const res = await fetch(`${base}/`, { method: "POST", headers, body: BODY });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, scheme: "B", secretIndex: 0 });
  });

  it("rejects a repeated X-Webhook-Timestamp line, which Node joins with a comma", async () => {
    const ts = now();
    const headers = { "X-Webhook-Signature": `v1=${refSign(CURRENT_SECRET, ts, BODY)}`, "X-Webhook-Timestamp": [String(ts), String(ts)] };
    const { status, json } = await send("/", headers, BODY);
    expect(status).toBe(400);
    expect(json).toEqual({ code: "duplicate_header", header: "X-Webhook-Timestamp" });
  });

  it.each(["/", "/whatwg"])("accepts two X-Webhook-Signature lines, one per secret, as a list (%s)", async (path) => {
    const ts = now();
    const headers = {
      "X-Webhook-Signature": [`v1=${refSign("whsec_retired", ts, BODY)}`, `v1=${refSign(PREVIOUS_SECRET, ts, BODY)}`],
      "X-Webhook-Timestamp": String(ts),
    };
    const { status, json } = await send(path, headers, BODY);
    expect(status).toBe(200);
    expect(json).toMatchObject({ ok: true, scheme: "A", secretIndex: 1 });
  });

  it("rejects two Anton-Signature lines", async () => {
    const ts = now();
    const line = `t=${ts},v1=${refSign(CURRENT_SECRET, ts, BODY)}`;
    const { status, json } = await send("/", { "Anton-Signature": [line, line] }, BODY);
    expect(status).toBe(400);
    expect(json).toEqual({ code: "duplicate_header", header: "Anton-Signature" });
  });

  it("rejects a body altered in transit", async () => {
    const headers = createSignatureHeaders({ secrets: [CURRENT_SECRET], body: BODY });
    const { status, json } = await send("/", headers, Buffer.from(BODY.toString("utf8").replace("naïve", "naive")));
    expect(status).toBe(400);
    expect(json).toEqual({ code: "no_matching_signature", header: "X-Webhook-Signature" });
  });

  it("rejects a replay outside the window", async () => {
    const headers = createSignatureHeaders({ secrets: [CURRENT_SECRET], body: BODY, timestamp: now() - 3600 });
    const { status, json } = await send("/", headers, BODY);
    expect(status).toBe(400);
    expect(json).toEqual({ code: "timestamp_out_of_range", header: "X-Webhook-Timestamp" });
  });
});
