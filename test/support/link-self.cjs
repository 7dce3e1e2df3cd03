// The serialized provider requires its implementation by package name ("pulumi-anton/..."), exactly as
// it does in a user's project, so inside this repository node_modules/pulumi-anton must be this package.
// It is installed as npm would: a real folder with package.json and a copy of dist/, not a symlink. A
// symlink resolves to the checkout's own path, outside node_modules, and Pulumi's serializer then copies
// the provider's code into state instead of storing `require("pulumi-anton/provider")` as it does for
// users. Run it after every build (npm test's global setup, test:e2e, bench and the demo do).
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..", "..");
const target = path.join(root, "node_modules", "pulumi-anton");
fs.rmSync(target, { recursive: true, force: true });
fs.mkdirSync(target, { recursive: true });
fs.copyFileSync(path.join(root, "package.json"), path.join(target, "package.json"));
const dist = path.join(root, "dist", "provider");
if (fs.existsSync(dist)) fs.cpSync(dist, path.join(target, "dist", "provider"), { recursive: true });
