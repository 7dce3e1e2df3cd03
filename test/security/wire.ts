/**
 * Captures, on the emulator side (same process), the credentials each request
 * carried: access tokens, DPoP proofs and Basic credentials become canaries.
 */
import diagnostics_channel from "node:diagnostics_channel";
import type { IncomingMessage } from "node:http";
import type { CanarySet } from "./scanner";

export function captureWireCredentials(canaries: CanarySet): () => void {
  const onStart = (m: unknown) => {
    const { headers } = (m as { request: IncomingMessage }).request;
    const auth = headers.authorization ?? "";
    const [scheme, value] = auth.split(/\s+/, 2);
    if (value && /^dpop$/i.test(scheme!)) canaries.add("access token", value);
    if (value && /^basic$/i.test(scheme!)) canaries.add("basic credentials", value);
    if (typeof headers.dpop === "string") canaries.add("DPoP proof", headers.dpop);
  };
  diagnostics_channel.subscribe("http.server.request.start", onStart);
  return () => diagnostics_channel.unsubscribe("http.server.request.start", onStart);
}
