import type { IncomingMessage } from "node:http";
import { ApiError, internalError } from "./errors";
import type { FaultPlan } from "./faults";

/** A response before transport: handlers return these, faults decide whether and when they are written. */
export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Everything a handler may need about the request in flight. */
export interface RequestContext {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  rawBody: Buffer;
  remoteAddress: string;
  /** Extra headers for the response whatever its status (rate limit, nonce). */
  responseHeaders: Record<string, string>;
  /** Server clock for this request, including configured and injected skew. */
  serverNowMs: number;
  plan: FaultPlan;
}

export function errorReply(err: ApiError): Reply {
  return { status: err.status, body: err.envelope(), headers: err.headers };
}

/** Runs a synchronous handler; what it throws becomes its error reply (an unexpected throw, a 500). */
export function safely(fn: () => Reply): Reply {
  try {
    return fn();
  } catch (err) {
    return errorReply(err instanceof ApiError ? err : internalError());
  }
}

export const isV1 = (path: string): boolean => path === "/v1" || path.startsWith("/v1/");
