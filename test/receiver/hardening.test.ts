/**
 * The receiver refuses without reading: bodies it will not use are never drained, and an
 * `Expect: 100-continue` sender is only invited to send a body the receiver will read.
 * Raw sockets, because HTTP clients hide the interim 100 response and stop at the final one.
 */
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createSignatureHeaders } from "pulumi-anton";
import { createReceiver, type ReceiverServer } from "../../examples/receiver/receiver";
import { closeServer, listen } from "./support";

const CURRENT = `whsec_${"h".repeat(64)}`;
const MAX = 64 * 1024;

let server: ReceiverServer | undefined;
afterEach(async () => {
  if (server) await closeServer(server);
  server = undefined;
});

async function start(path?: string): Promise<{ port: number; server: ReceiverServer; processed: string[] }> {
  const processed: string[] = [];
  server = createReceiver({
    secrets: () => ({ current: CURRENT }),
    log: () => {},
    maxBodyBytes: MAX,
    path,
    onEvent: (event) => void processed.push(event.id),
  });
  const url = new URL(await listen(server));
  return { port: Number(url.port), server, processed };
}

/** A connection that records everything the server sends and whether the server closed it. */
class RawConnection {
  private readonly socket: Socket;
  received = "";
  readonly closed: Promise<string>;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => (this.received += chunk));
    // The server may reset the connection after its answer: what arrived before counts.
    socket.on("error", () => {});
    this.closed = new Promise((resolve) => socket.once("close", () => resolve(this.received)));
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, "127.0.0.1", () => resolve(new RawConnection(socket)));
      socket.once("error", reject);
    });
  }

  write(text: string): void {
    this.socket.write(text, "latin1");
  }

  /** Resolves once the server's output contains `marker`. */
  async waitFor(marker: string): Promise<void> {
    while (!this.received.includes(marker)) {
      await new Promise<void>((resolve) => this.socket.once("data", () => resolve()));
    }
  }

  destroy(): void {
    this.socket.destroy();
  }
}

function head(method: string, path: string, headers: Record<string, string | number>): string {
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
  return [`${method} ${path} HTTP/1.1`, "Host: receiver.test", ...lines, "", ""].join("\r\n");
}

const statusOf = (text: string) => [...text.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => Number(m[1]));

describe("refusing without reading the body", () => {
  it("a PUT announcing a large body gets 405 and a closed connection before any body byte is sent", async () => {
    const { port, server: s } = await start();
    const conn = await RawConnection.open(port);
    // Only the head: if the receiver drained bodies, it would wait here for 50 MB that never come.
    conn.write(head("PUT", "/", { "Content-Length": 50_000_000 }));
    const text = await conn.closed;
    expect(statusOf(text)).toEqual([405]);
    expect(text).toMatch(/^Connection: close\r$/im);
    expect(text).toMatch(/^Allow: POST\r$/im);
    expect(s.stats.rejected.method_not_allowed).toBe(1);
  });

  it("a POST to another path than `path` gets 404 and a closed connection, body unread", async () => {
    const { port, server: s } = await start("/webhooks/anton");
    const conn = await RawConnection.open(port);
    conn.write(head("POST", "/elsewhere", { "Content-Length": 1_000_000, "Content-Type": "application/json" }));
    const text = await conn.closed;
    expect(statusOf(text)).toEqual([404]);
    expect(text).toMatch(/^Connection: close\r$/im);
    expect(s.stats.rejected.not_found).toBe(1);
  });

  it("a GET without a body still gets 405 (nothing to drain), and the error body carries no detail", async () => {
    const { port } = await start();
    const conn = await RawConnection.open(port);
    conn.write(head("GET", "/", {}));
    const text = await conn.closed;
    expect(statusOf(text)).toEqual([405]);
    expect(text).toContain('{"error":"method_not_allowed"}');
  });
});

describe("Expect: 100-continue", () => {
  it("an oversized declared body is refused with 413 and no '100 Continue' invitation", async () => {
    const { port, server: s } = await start();
    const conn = await RawConnection.open(port);
    conn.write(head("POST", "/", { "Content-Length": MAX + 1, Expect: "100-continue", "Content-Type": "application/json" }));
    const text = await conn.closed;
    expect(statusOf(text)).toEqual([413]);
    expect(text).not.toContain("100 Continue");
    expect(s.stats.rejected.too_large).toBe(1);
  });

  it("a non-POST is refused with 405 and no invitation", async () => {
    const { port } = await start();
    const conn = await RawConnection.open(port);
    conn.write(head("PATCH", "/", { "Content-Length": 10, Expect: "100-continue" }));
    const text = await conn.closed;
    expect(statusOf(text)).toEqual([405]);
    expect(text).not.toContain("100 Continue");
  });

  it("a delivery within the cap is invited with '100 Continue', then verified and accepted (202)", async () => {
    const { port, processed } = await start();
    const id = "evt_expect_continue";
    const body = JSON.stringify({ id, type: "payout.completed" });
    const signature = createSignatureHeaders({ secrets: [CURRENT], body, eventId: id });
    const conn = await RawConnection.open(port);
    conn.write(head("POST", "/", { ...signature, "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body), Expect: "100-continue", Connection: "close" }));
    await conn.waitFor("HTTP/1.1 100 Continue\r\n\r\n");
    expect(statusOf(conn.received)).toEqual([100]);
    conn.write(body);
    const text = await conn.closed;
    expect(statusOf(text)).toEqual([100, 202]);
    expect(processed).toEqual([id]);
    conn.destroy();
  });
});
