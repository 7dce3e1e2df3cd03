#!/usr/bin/env node
/**
 * `anton-api`: one authenticated request by hand, with the configuration the provider uses. For
 * looking around (`GET /v1/webhooks`), and for break-glass rotation outside Pulumi
 * (`POST /v1/webhooks/{id}/secret/rotate`, then `pulumi refresh` to record the new secret).
 * Exit codes: 0 for a 2xx answer, 1 for an API or network error, 2 for bad arguments or configuration.
 */
import { randomUUID } from "node:crypto";
import { AntonApiError, AntonClient, AntonConfigError, resolveClientOptions } from "../client";
import { API_USAGE, parseApiArgs, redactBody } from "./args";

const err = (line: string) => process.stderr.write(`${line}\n`);

async function main(): Promise<number> {
  const parsed = parseApiArgs(process.argv.slice(2));
  if (parsed.kind === "help") {
    process.stdout.write(`${API_USAGE}\n`);
    return 0;
  }
  if (parsed.kind === "error") {
    err(`anton-api: ${parsed.message}`);
    return 2;
  }
  const { request } = parsed;
  let client: AntonClient;
  try {
    client = new AntonClient(resolveClientOptions({ env: process.env }));
  } catch (e) {
    if (e instanceof AntonConfigError) {
      err(`anton-api: ${e.message}`);
      return 2;
    }
    throw e;
  }
  const idempotencyKey = request.method === "POST" ? (request.idempotencyKey ?? randomUUID()) : undefined;
  // The call may wait to retry; this handle keeps the process alive until it settles, whatever the timers do.
  const keepAlive = setInterval(() => {}, 1 << 30);
  try {
    const res = await client.request(request.method, request.path, { idempotencyKey });
    const attempts = `${res.attempts} attempt${res.attempts === 1 ? "" : "s"}`;
    err(`HTTP ${res.status} (request id ${res.requestId ?? "none"}, ${attempts}${idempotencyKey ? `, Idempotency-Key ${idempotencyKey}` : ""})`);
    const body = request.showSecrets ? res.json : redactBody(res.json);
    if (body !== undefined && body !== null) process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
    return 0;
  } catch (e) {
    if (!(e instanceof AntonApiError)) throw e;
    // The client's messages are already scrubbed of credentials and secrets.
    err(`anton-api: ${e.message}`);
    if (idempotencyKey && e.serverState !== "unchanged") err(`To retry safely, repeat with --idempotency-key ${idempotencyKey}`);
    return 1;
  } finally {
    clearInterval(keepAlive);
    await client.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    err(`anton-api failed (${e instanceof Error ? e.name : "error"})`);
    process.exitCode = 1;
  },
);
