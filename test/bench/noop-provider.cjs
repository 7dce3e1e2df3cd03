// The reference for the engine figure: a dynamic provider that does nothing, so `pulumi up` of N of
// them costs only the engine, the plugin host and serialization. Plain CommonJS: serialized as written.
module.exports = {
  async create(inputs) {
    return { id: `noop-${inputs.n}`, outs: inputs };
  },
};
