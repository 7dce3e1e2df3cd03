// A no-op dynamic provider whose resources look like AntonWebhookSecrets to the engine: the same
// outputs (two of them secret, through additionalSecretOutputs in the resource) and a __provider of
// the same size (`pad`). It separates what the engine charges for such a resource from what the
// Anton provider itself costs. Plain CommonJS: serialized as written.
exports.shapedNoop = (padLength) => ({
  pad: "x".repeat(padLength),
  async create(inputs) {
    const outs = {
      ...inputs,
      secret: `whsec_${"0".repeat(64)}`,
      previousSecret: `whsec_${"1".repeat(64)}`,
      fingerprint: "0".repeat(16),
      rotatedAt: new Date().toISOString(),
      nextRotationAt: "",
      rotationKey: "00000000-0000-4000-8000-000000000000",
    };
    return { id: `${inputs.webhookId}:${outs.rotatedAt}`, outs };
  },
});
