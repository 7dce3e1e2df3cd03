// The direct-client counterpart of a fresh plugin process: a new Node process
// that loads the built package (as a script using it would) and rotates with
// AntonClient in-process, no gRPC hop. Both paths then start from the same JIT
// state, so the ratio prices the plugin path, not which process ran longer.
// It reports "start" just before the timed phase and the wall time after it.
const { performance } = require("node:perf_hooks");
const { AntonClient } = require("pulumi-anton");

process.once("message", async (m) => {
  const client = new AntonClient({ apiUrl: m.url, clientId: m.clientId, clientSecret: m.clientSecret, dpopPrivateKey: m.dpopPrivateKey, maxConcurrency: m.c });
  try {
    await Promise.all(m.warm.map((id) => client.rotateWebhookSecret(id)));
    await new Promise((resolve) => process.send({ type: "start" }, resolve));
    const t0 = performance.now();
    await Promise.all(m.ids.map((id) => client.rotateWebhookSecret(id)));
    const ms = performance.now() - t0;
    await new Promise((resolve) => process.send({ type: "done", ms }, resolve));
  } catch (err) {
    // Codes only: an error message could carry request details.
    process.send({ type: "error", code: String(err && err.code) });
  } finally {
    await client.close();
    process.disconnect();
  }
});
