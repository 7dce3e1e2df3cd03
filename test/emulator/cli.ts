/**
 * `npm run emulator`: starts a local Anton emulator with a demo merchant and one webhook, prints how to
 * point a client at it, and runs until SIGINT/SIGTERM. Prints the key file path, never the key, and
 * never a webhook secret. `--json` prints one machine-readable line instead.
 */
import { startEmulator } from "./index";

function parseArgs(argv: string[]): { port: number; json: boolean } {
  let port = Number(process.env.ANTON_EMULATOR_PORT ?? 0);
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--json") json = true;
    else if (arg === "--port") port = Number(argv[++i]);
    else if (arg.startsWith("--port=")) port = Number(arg.slice(7));
    else if (arg === "--help" || arg === "-h") {
      console.log("usage: npm run emulator -- [--port N] [--json]   (or ANTON_EMULATOR_PORT=N)");
      process.exit(0);
    } else {
      console.error(`unknown argument (see --help)`);
      process.exit(2);
    }
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error("port must be an integer from 0 to 65535");
    process.exit(2);
  }
  return { port, json };
}

async function main(): Promise<void> {
  const { port, json } = parseArgs(process.argv.slice(2));
  const emulator = await startEmulator({ host: "127.0.0.1", port });
  const webhook = emulator.createWebhook({ url: "http://127.0.0.1:8787/webhooks", events: ["*"] });
  const { clientId, clientSecret, keyFile } = emulator.credentials;
  const env = {
    ANTON_API_URL: emulator.url,
    ANTON_CLIENT_ID: clientId,
    ANTON_CLIENT_SECRET: clientSecret,
    ANTON_DPOP_PRIVATE_KEY_FILE: keyFile ?? "",
  };

  if (json) {
    console.log(
      JSON.stringify({ url: emulator.url, client_id: clientId, client_secret: clientSecret, key_file: keyFile, webhook_id: webhook.id, env }),
    );
  } else {
    console.log(`Anton emulator listening on ${emulator.url}`);
    console.log(`  client id:       ${clientId}`);
    console.log(`  client secret:   ${clientSecret}   (throwaway DEMO value, valid only for this emulator run)`);
    console.log(`  DPoP key file:   ${keyFile}   (removed when the emulator stops)`);
    console.log(`  webhook id:      ${webhook.id}`);
    console.log("");
    console.log("Paste into your shell:");
    for (const [name, value] of Object.entries(env)) console.log(`export ${name}=${shellQuote(value)}`);
    console.log("");
    console.log("Ctrl-C to stop.");
  }

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
}

function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:@-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

main().catch((err: unknown) => {
  console.error(`emulator failed to start: ${err instanceof Error ? err.name : "error"}`);
  process.exit(1);
});
