// The serialized provider shim requires its implementation by package name
// ("pulumi-anton/..."), exactly as it does in a user's project. Inside this
// repository that name must resolve to the repository itself, so we link
// node_modules/pulumi-anton -> .. (what `npm install pulumi-anton` gives users).
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..", "..");
const link = path.join(root, "node_modules", "pulumi-anton");
try {
  const target = fs.readlinkSync(link);
  if (path.resolve(path.dirname(link), target) === root) return;
  fs.unlinkSync(link);
} catch (err) {
  if (err.code !== "ENOENT") throw err;
}
fs.symlinkSync(path.relative(path.dirname(link), root), link, "dir");
