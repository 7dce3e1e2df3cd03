#!/usr/bin/env bash
# Provides the pinned Pulumi CLI and prints its bin directory on the last line of stdout.
# Progress goes to stderr. CI, `npm run test:e2e`, `npm run bench` and `npm run demo` all use it.
#
#   BIN=$(bash test/support/pulumi-cli.sh) && export PATH="$BIN:$PATH"
#
# Order: a `pulumi` of the pinned version on PATH, then the cache, then a build of
# github.com/pulumi/pulumi/pkg/v3/cmd/pulumi from the Go module proxy (minutes, once per version).
# The bin directory also gets `pulumi-resource-pulumi-nodejs` (shipped in @pulumi/pulumi), which the
# engine looks for next to its own binary, so dynamic providers run with automatic plugin
# acquisition off. Nothing is written inside the repository.
#
# With --cached-only it never builds: it exits 3, printing nothing, when neither PATH nor the cache has
# the pinned version (`npm run demo` tries other sources before it pays for a build).
#
# Environment: PULUMI_ANTON_CLI_CACHE (default ${XDG_CACHE_HOME:-~/.cache}/pulumi-anton/pulumi-cli),
# PULUMI_ANTON_CLI_VERSION (default: the pinned version below; keep it equal to @pulumi/pulumi).
set -euo pipefail

VERSION="${PULUMI_ANTON_CLI_VERSION:-3.276.0}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${PULUMI_ANTON_CLI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-anton/pulumi-cli}/v$VERSION"
BIN="$CACHE/bin"
MODULE=github.com/pulumi/pulumi/pkg/v3
LANG_MODULE=github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3
# The release build's flags; the -X version is what `pulumi version` and the Automation API read.
LDFLAGS="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$VERSION"

cached_only=false
[ "${1:-}" = "--cached-only" ] && cached_only=true

step() { printf 'pulumi-cli: %s\n' "$*" >&2; }
fail() { printf 'pulumi-cli: %s\n' "$*" >&2; exit 1; }
version_of() { PULUMI_SKIP_UPDATE_CHECK=true "$1" version 2>/dev/null | tr -d '[:space:]' || true; }

mkdir -p "$BIN"

# The dynamic-provider plugin is a shell script inside @pulumi/pulumi; copied fresh every time, since
# it names nothing version-specific and the engine resolves the module from its working directory.
plugin_src="$ROOT/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"
[ -f "$plugin_src" ] || fail "node_modules/@pulumi/pulumi is missing: run \`npm ci\` first"
install -m 0755 "$plugin_src" "$BIN/pulumi-resource-pulumi-nodejs"

# 1. A pulumi of the pinned version already on PATH (not our own cache).
if on_path="$(command -v pulumi 2>/dev/null)" && [ "$(dirname "$on_path")" != "$BIN" ] \
  && [ "$(version_of "$on_path")" = "v$VERSION" ]; then
  step "using $on_path (v$VERSION on PATH)"
  ln -sf "$on_path" "$BIN/pulumi"
  echo "$BIN"
  exit 0
fi

# 2. The cache.
if [ -x "$BIN/pulumi" ] && [ "$(version_of "$BIN/pulumi")" = "v$VERSION" ]; then
  step "using the cached CLI v$VERSION ($BIN)"
  echo "$BIN"
  exit 0
fi

# 3. Build from the Go module proxy.
$cached_only && exit 3
command -v go >/dev/null 2>&1 || fail "no Pulumi CLI v$VERSION and no Go to build it: install Go (https://go.dev/dl/) or the Pulumi CLI (https://www.pulumi.com/docs/install/), then re-run"
step "building the Pulumi CLI v$VERSION from the Go module proxy into $CACHE: this takes several minutes (about 10 on 2 cores), once per version"
rm -f "$BIN/pulumi"
build="$CACHE/build"
mkdir -p "$build"
cd "$build"
# A throwaway module: pkg/v3's own go.mod has replace directives, so `go install pkg@version` refuses it.
[ -f go.mod ] || go mod init pulumi-anton.local/pulumi-cli >/dev/null 2>&1
log="$build/build.log"
: >"$log"
step "[1/3] go get $MODULE/cmd/pulumi@v$VERSION (downloads the module graph; log: $log)"
{ go get -tool "$MODULE/cmd/pulumi@v$VERSION" && go get "github.com/pulumi/pulumi/sdk/v3@v$VERSION"; } >>"$log" 2>&1 \
  || { tail -20 "$log" >&2; fail "go get of $MODULE@v$VERSION failed (is the Go module proxy reachable? GOPROXY=$(go env GOPROXY))"; }
step "[2/3] go build (compiles the CLI)"
start=$SECONDS
CGO_ENABLED=0 go build -trimpath -tags osusergo,grpcnotrace -ldflags "$LDFLAGS" -o "$BIN/pulumi.tmp" "$MODULE/cmd/pulumi" >>"$log" 2>&1 &
pid=$!
while kill -0 "$pid" 2>/dev/null; do
  sleep 30
  kill -0 "$pid" 2>/dev/null && step "      still compiling ($((SECONDS - start)) s)"
done
wait "$pid" || { tail -20 "$log" >&2; fail "go build of $MODULE/cmd/pulumi@v$VERSION failed (log: $log)"; }
mv "$BIN/pulumi.tmp" "$BIN/pulumi"
got="$(version_of "$BIN/pulumi")"
[ "$got" = "v$VERSION" ] || fail "the built CLI reports '$got', not v$VERSION"
step "      built in $((SECONDS - start)) s"

# The language host (`runtime: nodejs` through the CLI) is its own module without version tags;
# the proxy must serve it as a pseudo-version. Without it, Node programs run as Automation API
# inline programs, which host the language runtime in-process.
step "[3/3] pulumi-language-nodejs"
lang_version="${PULUMI_ANTON_LANGUAGE_HOST_VERSION:-latest}"
if answer="$(go list -m -json "$LANG_MODULE@$lang_version" 2>&1)"; then
  if go get -tool "$LANG_MODULE@$lang_version" >>"$log" 2>&1 \
    && CGO_ENABLED=0 go build -trimpath -ldflags "$LDFLAGS" -o "$BIN/pulumi-language-nodejs" "$LANG_MODULE" >>"$log" 2>&1; then
    step "      built ($lang_version)"
  else
    step "      could not be built (log: $log); Node programs run through the Automation API"
  fi
else
  step "      the module proxy does not serve $LANG_MODULE@$lang_version: $(printf '%s' "$answer" | tr '\n' ' ' | cut -c1-300)"
  step "      Node programs run through the Automation API (inline programs host the language runtime)"
fi
echo "$BIN"
