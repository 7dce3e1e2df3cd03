/**
 * `pulumi-anton/testing`: unit-test your own Pulumi programs that use `AntonWebhookSecret`, offline.
 *
 * - {@link setAntonMocks}: `setMocks` that runs the resource's real Check and marks `secret` and
 *   `previousSecret` secret, as the engine does; Create is simulated, or real against an emulator.
 * - {@link startAntonEmulator} / {@link useAntonEmulator}: a local Anton emulator with its credentials
 *   wired into the provider config, started and stopped by your test runner's hooks.
 * - {@link resolveOutput}: an Output's value and secretness, rejecting when the resource failed.
 *
 * No test runner is required: it works with vitest, jest, mocha and `node:test`.
 *
 * @packageDocumentation
 */
export { setAntonMocks, WEBHOOK_SECRET_TYPE, WEBHOOK_SECRET_OUTPUTS, type AntonMocks, type AntonMocksOptions } from "./mocks";
export { emulatorConfig, startAntonEmulator, useAntonEmulator, type AntonEmulatorFixture, type SuiteHooks } from "./fixture";
export { resolveOutput, type Resolved } from "./outputs";
export type { CheckFailure } from "../resource/inputs";
