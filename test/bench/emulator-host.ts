/**
 * Child-process entry: runs the emulator in its own process so that it never
 * competes for the event loop with the client being measured. Controlled over
 * Node IPC by {@link ./emulator-process}.
 */
import { startEmulator, type EmulatorOptions } from "../../provider/emulator";

type Command = { id: number; cmd: "webhooks"; n: number } | { id: number; cmd: "state" } | { id: number; cmd: "reset" } | { id: number; cmd: "delay"; ms: number } | { id: number; cmd: "close" };

async function main(): Promise<void> {
  const options = JSON.parse(process.env.BENCH_EMULATOR_OPTIONS ?? "{}") as EmulatorOptions;
  const emulator = await startEmulator({ keyFile: false, ...options });
  const send = (m: unknown) => process.send!(m);
  process.on("message", async (m: Command) => {
    switch (m.cmd) {
      case "webhooks":
        return send({ id: m.id, result: Array.from({ length: m.n }, () => emulator.createWebhook().id) });
      case "state": {
        const s = emulator.state;
        return send({ id: m.id, result: { total: s.requests.total, byRoute: { ...s.requests.byRoute }, tokensMinted: s.tokensMinted, rejections: { ...s.rejections } } });
      }
      case "delay":
        // Simulated network round trip on every request (0 = none).
        emulator.faults.clear();
        if (m.ms > 0) emulator.faults.delay(m.ms);
        return send({ id: m.id, result: null });
      case "reset":
        emulator.state.resetCounters();
        return send({ id: m.id, result: null });
      case "close":
        await emulator.close();
        send({ id: m.id, result: null });
        process.disconnect();
        return;
    }
  });
  const { clientId, clientSecret, dpopPrivateKeyPem } = emulator.credentials;
  send({ ready: true, url: emulator.url, credentials: { clientId, clientSecret, dpopPrivateKeyPem } });
}

main().catch((err) => {
  console.error("emulator host failed:", err instanceof Error ? err.message : String(err));
  process.exit(1);
});
