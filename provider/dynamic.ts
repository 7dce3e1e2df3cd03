/**
 * Entry point the serialized provider shim requires (`pulumi-anton/dynamic`).
 * Not part of the public API; kept stable so state written by older versions keeps working.
 */
export { webhookSecretProvider, createWebhookSecretProvider, fingerprintOf } from "./resource/lifecycle";
export { closeClients } from "./resource/clients";
