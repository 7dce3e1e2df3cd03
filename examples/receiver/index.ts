/**
 * Runs the receiver:
 * `PORT=8080 ANTON_WEBHOOK_SECRETS_FILE=/run/secrets/anton-webhook.json node --require tsx/cjs examples/receiver/index.ts`
 * (or compile it). SIGHUP re-reads the secrets file; SIGTERM/SIGINT stop accepting and exit once
 * in-flight requests finish. The `tsx` CLI runs the script in a child process and does not pass
 * SIGHUP on, hence `--require tsx/cjs`.
 */
import type { AddressInfo } from "node:net";
import { receiverFromEnv } from "./from-env";
import { logLine } from "./log-line";

function main(): void {
  let configured;
  try {
    configured = receiverFromEnv(process.env);
  } catch (error) {
    // Our own messages name variables, never values.
    console.error(`receiver: ${error instanceof Error ? error.message : "invalid configuration"}`);
    process.exitCode = 1;
    return;
  }
  const { server, port, host, reload } = configured;

  process.on("SIGHUP", () => {
    const ok = reload();
    console.log(logLine({ outcome: "reload", ok }));
  });
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);

  server.listen(port, host, () => {
    const address = server.address() as AddressInfo;
    console.log(logLine({ outcome: "listening", host: address.address, port: address.port }));
  });
}

main();
