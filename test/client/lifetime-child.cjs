// A standalone job, as a user writes one: no Pulumi, no test runner, nothing else keeping the event loop alive.
// It loads the built package by name. SCENARIO picks what it does; the parent test reads the exit code and output.
const { AntonClient, RETRY_CHANNEL } = require("pulumi-anton");
const diagnostics = require("node:diagnostics_channel");

const client = AntonClient.fromEnv(process.env, { retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 200 } });
const hook = process.env.WEBHOOK_ID;
let pending = 0;

function track(promise) {
  pending += 1;
  return promise.finally(() => (pending -= 1));
}

function fail(err) {
  console.error(`rejected: ${err.code}: ${err.message}`);
  process.exitCode = 1;
}

process.on("exit", (code) => {
  // What the bug looked like: the loop emptied while a call was still waiting to retry.
  if (pending > 0) process.stdout.write(`exited ${code} with ${pending} call(s) pending\n`);
});

async function main() {
  switch (process.env.SCENARIO) {
    case "rotate": {
      const r = await track(client.rotateWebhookSecret(hook));
      console.log(`rotated after ${r.attempts} attempt(s)`);
      await client.close();
      return;
    }
    case "idle": {
      // One successful call leaves a cached token and a keep-alive connection; never closed.
      const r = await track(client.rotateWebhookSecret(hook));
      console.log(`rotated after ${r.attempts} attempt(s); client left open`);
      return;
    }
    case "close-while-waiting": {
      // The server asks for a long wait; closing the client must end the call and free the process.
      diagnostics.subscribe(RETRY_CHANNEL, () => void client.close());
      await track(client.rotateWebhookSecret(hook));
      return;
    }
    case "abort-while-paused": {
      // The rate-limit window (limit 1) is full after one rotation, so the next call waits in the pacer until Reset.
      await track(client.rotateWebhookSecret(hook));
      const ac = new AbortController();
      const waiting = track(client.rotateWebhookSecret(hook, { signal: ac.signal }));
      setImmediate(() => ac.abort());
      await waiting;
      return;
    }
    default:
      throw new Error(`unknown SCENARIO ${process.env.SCENARIO}`);
  }
}

main().catch(fail);
