/**
 * A minimal gRPC unary caller on node:http2 for pre-encoded messages.
 *
 * The bench stands in for the engine, a Go process whose gRPC client costs a
 * fraction of @grpc/grpc-js's per call; on 2 cores every harness millisecond is
 * taken from the plugin or the emulator. This frames bytes encoded before the
 * clock starts and hands back the reply's bytes undecoded, so the timed phase
 * holds the plugin's work and the transport, not the harness.
 */
import http2 from "node:http2";

/** gRPC's length-prefixed message: 1 byte "compressed" flag (0), 4 bytes big-endian length, then the message. */
export function frame(message: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + message.length);
  out.writeUInt8(0, 0);
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

export interface UnaryClient {
  /** Resolves once the HTTP/2 connection is up, so connecting stays out of a timed phase. */
  ready: Promise<void>;
  /** Sends one framed request to `path` and resolves with the reply message (without its prefix). */
  call(path: string, framed: Buffer): Promise<Buffer>;
  close(): void;
}

export function unaryClient(address: string, timeoutMs = 120_000): UnaryClient {
  const session = http2.connect(`http://${address}`);
  const ready = new Promise<void>((resolve, reject) => {
    session.once("connect", () => resolve());
    session.once("error", reject);
  });
  session.on("error", () => undefined); // after connecting, each call reports its own failure
  return {
    ready,
    call(path, framed) {
      return new Promise((resolve, reject) => {
        const stream = session.request({ ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers" });
        stream.setTimeout(timeoutMs, () => stream.close(http2.constants.NGHTTP2_CANCEL));
        const chunks: Buffer[] = [];
        let status: string | undefined;
        let message = "";
        const note = (h: http2.IncomingHttpHeaders) => {
          if (h["grpc-status"] !== undefined) status = String(h["grpc-status"]);
          if (h["grpc-message"] !== undefined) message = decodeURIComponent(String(h["grpc-message"]));
        };
        stream.on("response", note); // a trailers-only reply (an error) carries the status in the headers
        stream.on("trailers", note);
        stream.on("data", (c: Buffer) => chunks.push(c));
        stream.on("error", reject);
        stream.on("close", () => {
          if (status !== "0") return reject(new Error(`gRPC status ${status ?? "missing"}: ${message}`));
          const body = Buffer.concat(chunks);
          if (body.length < 5 || body.length < 5 + body.readUInt32BE(1)) return reject(new Error(`gRPC reply of ${body.length} bytes is not one framed message`));
          resolve(body.subarray(5, 5 + body.readUInt32BE(1)));
        });
        stream.end(framed);
      });
    },
    close: () => session.close(),
  };
}
