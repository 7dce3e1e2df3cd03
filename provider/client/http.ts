/**
 * HTTP transport: one keep-alive undici Pool per client, bounded concurrency,
 * bounded response size, and classification of transport failures.
 *
 * Retries live in the client, not in undici's RetryAgent: every attempt needs
 * a freshly signed DPoP proof (new `jti` and `iat`, possibly a new nonce or a
 * new access token), which RetryAgent cannot produce because it replays the
 * original headers verbatim, and Anton rejects a replayed `jti`.
 */
import { Pool, type Dispatcher } from "undici";

/** Transport timeouts in milliseconds. */
export interface Timeouts {
  connectMs: number;
  headersMs: number;
  bodyMs: number;
}

/** A completed HTTP exchange (any status). */
export interface HttpResponse {
  status: number;
  headers: Record<string, string | undefined>;
  body: string;
}

/** Outcome of a failed exchange, with no raw error attached (its text may contain headers). */
export class TransportError extends Error {
  constructor(
    /** `timeout`, `network_error`, `tls_error` or `aborted`. */
    readonly kind: "timeout" | "network_error" | "tls_error" | "aborted",
    /** The underlying error code (e.g. ECONNRESET, UND_ERR_HEADERS_TIMEOUT). */
    readonly errorCode: string,
    /** Whether the request may have reached the server (and so may have been applied). */
    readonly maybeSent: boolean,
  ) {
    super(`${kind} (${errorCode})`);
    this.name = "TransportError";
  }
}

/** Largest response body the client will buffer; Anton responses are small JSON documents. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

// Failures that happen before any request byte can have been processed by the server.
const NOT_SENT = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EADDRNOTAVAIL",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/** Counting semaphore: at most `limit` holders; waiters are served FIFO. */
export class Semaphore {
  #available: number;
  /** Callers that gave a slot back for a moment, served first, in order. */
  #front: Array<() => void> = [];
  #waiters: Array<() => void> = [];

  constructor(limit: number) {
    this.#available = limit;
  }

  /**
   * Waits for a slot; an abort while waiting gives up the place in the queue and rejects with the signal's reason.
   * `front` queues ahead of the other waiters (a caller that held a slot and gave it back for a moment).
   */
  async acquire(signal?: AbortSignal, front = false): Promise<() => void> {
    if (signal?.aborted) throw signal.reason;
    if (this.#available > 0) {
      this.#available -= 1;
    } else {
      const queue = front ? this.#front : this.#waiters;
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          const i = queue.indexOf(wake);
          if (i >= 0) queue.splice(i, 1);
          reject(signal!.reason);
        };
        const wake = () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        };
        signal?.addEventListener("abort", onAbort, { once: true });
        queue.push(wake);
      });
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#front.shift() ?? this.#waiters.shift();
      // Hand the slot straight to the next waiter so a late arrival cannot overtake it.
      if (next) next();
      else this.#available += 1;
    };
  }
}

/** Options for {@link HttpTransport}. */
export interface TransportOptions {
  origin: string;
  timeouts: Timeouts;
  maxConcurrency: number;
  userAgent: string;
  /** Injected dispatcher (proxy agent, MockAgent); the transport then does not own or close it. */
  dispatcher?: Dispatcher;
}

/** Sends requests to one origin. */
export class HttpTransport {
  readonly #origin: string;
  readonly #dispatcher: Dispatcher;
  readonly #owned: boolean;
  readonly #semaphore: Semaphore;
  readonly #userAgent: string;
  readonly #timeouts: Timeouts;

  constructor(o: TransportOptions) {
    this.#origin = o.origin;
    this.#userAgent = o.userAgent;
    this.#timeouts = o.timeouts;
    this.#semaphore = new Semaphore(o.maxConcurrency);
    this.#owned = !o.dispatcher;
    this.#dispatcher =
      o.dispatcher ??
      new Pool(o.origin, {
        connections: o.maxConcurrency,
        pipelining: 1,
        headersTimeout: o.timeouts.headersMs,
        bodyTimeout: o.timeouts.bodyMs,
        keepAliveTimeout: 10_000,
        // No `ca`: passing one would replace Node's trust store, which already
        // includes NODE_EXTRA_CA_CERTS. Certificate verification cannot be disabled.
        connect: { timeout: o.timeouts.connectMs, minVersion: "TLSv1.2", rejectUnauthorized: true },
      });
  }

  /** Takes one of the `maxConcurrency` slots; pass the release to {@link send}, which frees it. */
  acquire(signal?: AbortSignal, front = false): Promise<() => void> {
    return this.#semaphore.acquire(signal, front);
  }

  /**
   * Sends one request, holding a concurrency slot only while it is being
   * signed and on the wire (not while the caller sleeps between retries, and
   * not while it waits for a token, which would deadlock against the mint's
   * own request). `held` is a slot the caller already took with {@link acquire}.
   */
  async send(
    req: {
      method: "GET" | "POST";
      path: string;
      headers: Record<string, string>;
      body?: string;
      signal?: AbortSignal;
    },
    held?: () => void,
  ): Promise<HttpResponse> {
    let release: () => void;
    try {
      release = held ?? (await this.#semaphore.acquire(req.signal));
    } catch {
      // Aborted while waiting for a slot: never sent.
      throw new TransportError("aborted", "ABORT_ERR", false);
    }
    try {
      const res = await this.#dispatcher.request({
        origin: this.#origin,
        method: req.method,
        path: req.path,
        headers: { "user-agent": this.#userAgent, accept: "application/json", ...req.headers },
        body: req.body,
        signal: req.signal,
        headersTimeout: this.#timeouts.headersMs,
        bodyTimeout: this.#timeouts.bodyMs,
      });
      const headers: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(res.headers)) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
      let size = 0;
      const chunks: Buffer[] = [];
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > MAX_BODY_BYTES) {
          res.body.destroy();
          throw new TransportError("network_error", "RESPONSE_TOO_LARGE", true);
        }
        chunks.push(chunk as Buffer);
      }
      return { status: res.statusCode, headers, body: Buffer.concat(chunks).toString("utf8") };
    } catch (err) {
      throw classify(err, req.signal);
    } finally {
      release();
    }
  }

  async close(): Promise<void> {
    if (this.#owned) await this.#dispatcher.close();
  }
}

function classify(err: unknown, signal?: AbortSignal): TransportError {
  if (err instanceof TransportError) return err;
  const code = String((err as { code?: unknown })?.code ?? (err as { name?: unknown })?.name ?? "UNKNOWN");
  if (signal?.aborted || code === "UND_ERR_ABORTED" || code === "ABORT_ERR") return new TransportError("aborted", code, true);
  if (code === "UND_ERR_CONNECT_TIMEOUT") return new TransportError("timeout", code, false);
  if (code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT") return new TransportError("timeout", code, true);
  if (/^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_|HOSTNAME_MISMATCH|ERR_OSSL)/.test(code)) {
    return new TransportError("tls_error", code, false);
  }
  // Keep only a code-shaped identifier; never the message, which can contain request details.
  const safe = /^[A-Z0-9_]{1,64}$/i.test(code) ? code : "UNKNOWN";
  return new TransportError("network_error", safe, !NOT_SENT.has(safe));
}
