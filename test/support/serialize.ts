/**
 * Serializes a provider exactly as `pulumi.dynamic.Resource` does, and loads the
 * text exactly as the dynamic-provider plugin does.
 */
import * as pulumi from "@pulumi/pulumi";

export interface SerializedProvider {
  text: string;
  containsSecrets: boolean;
}

export async function serializeProvider(provider: pulumi.dynamic.ResourceProvider): Promise<SerializedProvider> {
  const sf = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
  return { text: sf.text, containsSecrets: sf.containsSecrets };
}

/** `requireFromString(text).handler()`, as `cmd/dynamic-provider` does; resolves modules from the cwd. */
export function loadSerialized(text: string): pulumi.dynamic.ResourceProvider {
  const requireFromString = require("require-from-string") as (code: string) => { handler(): pulumi.dynamic.ResourceProvider };
  return requireFromString(text).handler();
}
