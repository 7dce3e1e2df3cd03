#!/usr/bin/env node
/**
 * `anton-emulator` (and `npm run emulator` in this repository): starts a local Anton emulator with a
 * demo merchant and one webhook, prints how to point a client at it, and runs until SIGINT/SIGTERM,
 * which close the server and delete the key file. Prints the key file path, never the key, and never a
 * webhook secret. `--json` prints exactly one machine-readable line instead.
 */
import { startEmulator } from "./index";
import { EMULATOR_USAGE, parseEmulatorArgs } from "./cli-args";

const out = (line = "") => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const parsed = parseEmulatorArgs(process.argv.slice(2), process.env);
  if (parsed.kind === "help") {
    out(EMULATOR_USAGE);
    return;
  }
  if (parsed.kind === "error") {
    process.stderr.write(`anton-emulator: ${parsed.message}\n`);
    process.exitCode = 2;
    return;
  }
  const emulator = await startEmulator(parsed.options);
  // Signals are handled from here on, so a stop during the prints below still cleans up.
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);

  const webhook = emulator.createWebhook({ url: "http://127.0.0.1:8787/webhooks", events: ["*"] });
  const { clientId, clientSecret, keyFile } = emulator.credentials;
  const env = {
    ANTON_API_URL: emulator.url,
    ANTON_CLIENT_ID: clientId,
    ANTON_CLIENT_SECRET: clientSecret,
    ANTON_DPOP_PRIVATE_KEY_FILE: keyFile ?? "",
  };
  if (parsed.json) {
    out(JSON.stringify({ url: emulator.url, client_id: clientId, client_secret: clientSecret, key_file: keyFile, webhook_id: webhook.id, env }));
    return;
  }
  out(`Anton emulator listening on ${emulator.url}`);
  out(`  client id:       ${clientId}`);
  out(`  client secret:   ${clientSecret}   (throwaway DEMO value, valid only for this emulator run)`);
  out(`  DPoP key file:   ${keyFile}   (removed when the emulator stops)`);
  out(`  webhook id:      ${webhook.id}`);
  out();
  out("Paste into your shell:");
  for (const [name, value] of Object.entries(env)) out(`export ${name}=${shellQuote(value)}`);
  out();
  out("Try: anton-api GET /v1/webhooks   (Ctrl-C to stop the emulator.)");
}

function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:@-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

main().catch((err: unknown) => {
  const reason = err instanceof Error && (err.name === "EmulatorOptionError" || "code" in err) ? `: ${err.message}` : "";
  process.stderr.write(`anton-emulator failed to start (${err instanceof Error ? err.name : "error"})${reason}\n`);
  process.exit(1);
});
