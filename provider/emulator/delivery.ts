import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP } from "node:net";
import { eventId } from "./ids";
import { signatureHeaders, type SignatureScheme } from "./signing";

const DELIVERY_TIMEOUT_MS = 10_000;

/** True for hosts on this machine: 127.0.0.0/8, ::1 and `localhost`. The emulator only ever delivers there. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  if (isIP(host) === 6) return host === "::1" || /^::ffff:127\./.test(host);
  return false;
}

export interface DeliveryResult {
  delivered: boolean;
  status?: number;
  event_id: string;
}

/** Sends a signed `test` event to a loopback receiver. Transport failures resolve as `delivered: false`. */
export async function deliverTestEvent(opts: {
  url: string;
  webhookId: string;
  secrets: string[];
  scheme: SignatureScheme;
  nowMs: number;
  signal: AbortSignal;
}): Promise<DeliveryResult> {
  const id = eventId();
  const timestamp = Math.floor(opts.nowMs / 1000);
  const body = JSON.stringify({ id, type: "test", created_at: new Date(opts.nowMs).toISOString(), data: { webhook_id: opts.webhookId } });
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    "Content-Length": String(Buffer.byteLength(body)),
    "User-Agent": "AntonPayments-Webhook/1.0",
    "X-Webhook-ID": id,
    "X-Webhook-Event": "test",
    ...signatureHeaders(opts.scheme, opts.secrets, timestamp, body),
  };
  const url = new URL(opts.url);
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise<DeliveryResult>((resolve) => {
    const req = send(url, { method: "POST", headers, signal: opts.signal, timeout: DELIVERY_TIMEOUT_MS }, (res) => {
      res.resume();
      res.on("end", () => resolve({ delivered: res.statusCode! >= 200 && res.statusCode! < 300, status: res.statusCode, event_id: id }));
      res.on("error", () => resolve({ delivered: false, status: res.statusCode, event_id: id }));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve({ delivered: false, event_id: id }));
    req.end(body);
  });
}
