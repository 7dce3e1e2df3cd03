// Runs one rotation in a fresh Node process, so NODE_EXTRA_CA_CERTS (read only at startup) applies.
// Prints one JSON line: the outcome and a fingerprint of the secret (never the secret itself).
const { createHash } = require("node:crypto");
const { AntonClient } = require(process.env.PROBE_CLIENT_MODULE);
const env = process.env;
const client = new AntonClient({
  apiUrl: env.ANTON_API_URL,
  clientId: env.ANTON_CLIENT_ID,
  clientSecret: env.ANTON_CLIENT_SECRET,
  dpopPrivateKey: env.ANTON_DPOP_PRIVATE_KEY,
  retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
  timeouts: { connectMs: 5000, headersMs: 5000, bodyMs: 5000 },
});
client
  .rotateWebhookSecret(env.PROBE_WEBHOOK_ID)
  .then(
    (r) => ({ ok: true, fingerprint: createHash("sha256").update(r.secret).digest("hex"), attempts: r.attempts }),
    (e) => ({ ok: false, name: e.name, code: e.code, retryable: e.retryable, attempts: e.attempts, serverState: e.serverState, cause: e.cause && e.cause.code, message: e.message, hint: e.hint }),
  )
  .then((out) => {
    process.stdout.write(JSON.stringify(out) + "\n");
    return client.close();
  });
