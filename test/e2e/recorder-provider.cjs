// A stand-in for a resource that consumes the signing secret, for the real engine: `replaceOnChange`
// acts like aws.secretsmanager.SecretVersion (a new secretString replaces it), otherwise like
// aws.ssm.Parameter (updated in place). Plain CommonJS so Pulumi serializes it as written.
// Each call appends {op, name} to the log file named in its inputs; never a value.
module.exports = {
  async diff(_id, olds, news) {
    const changed = olds.value !== news.value;
    return { changes: changed, replaces: changed && news.replaceOnChange ? ["value"] : [] };
  },
  async create(inputs) {
    require("node:fs").appendFileSync(inputs.log, JSON.stringify({ op: "create", name: inputs.name }) + "\n");
    return { id: `${inputs.name}-${Date.now()}`, outs: inputs };
  },
  async update(_id, _olds, news) {
    require("node:fs").appendFileSync(news.log, JSON.stringify({ op: "update", name: news.name }) + "\n");
    return { outs: news };
  },
  async delete(_id, props) {
    require("node:fs").appendFileSync(props.log, JSON.stringify({ op: "delete", name: props.name }) + "\n");
  },
};
