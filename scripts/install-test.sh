#!/usr/bin/env bash
# The package as a user gets it: `npm pack`, `npm i -g` into a clean prefix, `npx` from the tarball, and the
# library imported from a project that depends on it. Each step runs the published dist/, never the sources.
# Run: npm run test:install   (CI: .ci/run)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "install test FAILED: $*" >&2; exit 1; }

cd "$root"
version=$(node -p 'require("./package.json").version')
tgz="$tmp/$(npm pack --silent --pack-destination "$tmp" | tail -n 1)"
[ -f "$tgz" ] || fail "npm pack wrote no tarball"
listing=$(tar -tzf "$tgz")
grep -qx 'package/dist/src/cli/main.js' <<<"$listing" || fail "the tarball has no dist/src/cli/main.js"
grep -qx 'package/dist/src/index.d.ts' <<<"$listing" || fail "the tarball has no type declarations"
grep -q '^package/src/' <<<"$listing" && fail "the tarball ships the TypeScript sources"
grep -q '^package/test/' <<<"$listing" && fail "the tarball ships the tests"
echo "packed $(basename "$tgz"): $(wc -l <<<"$listing") files"

prefix="$tmp/prefix"
npm i -g --prefix "$prefix" "$tgz" --no-audit --no-fund --prefer-offline >/dev/null
bin="$prefix/bin/syscall-lab"
work="$tmp/work" # outside the repository, so nothing resolves against the clone
mkdir -p "$work"
cd "$work"

[ "$("$bin" --version)" = "$version" ] || fail "--version does not print $version"
"$bin" --help | grep -q '^Usage: syscall-lab' || fail "--help"
out=$("$bin" run --workload null --count 10 --json)
node -e 'const r = JSON.parse(process.argv[1]); if (r.syscalls !== 11 || r.exitCode !== 0) process.exit(1)' "$out" ||
  fail "run --workload null --count 10 --json: $out"
"$bin" bpf check "$prefix/lib/node_modules/syscall-lab/examples/bpf/getppid-errno.ddd" | grep -qx ok || fail "bpf check"
"$bin" compare --designs "$prefix/lib/node_modules/syscall-lab/examples/designs/cgroup-bytemap.ts" --depth 0 -n 20 \
  2>"$tmp/stderr" | grep -q 'cgroup-bytemap' || fail "compare with a design file"
grep -q 'executing design file' "$tmp/stderr" || fail "the design file was run without saying so"
echo "npm i -g: --version, --help, run, bpf check and compare with a design file work"

[ "$(npx --yes --prefer-offline --package "$tgz" -- syscall-lab --version)" = "$version" ] || fail "npx from the tarball"
echo "npx --package $(basename "$tgz"): --version works"

mkdir -p "$tmp/project" && cd "$tmp/project"
echo '{ "name": "uses-syscall-lab", "private": true, "type": "module" }' >package.json
npm i "$tgz" --no-audit --no-fund --prefer-offline >/dev/null
cp "$root/examples/api/compare.mjs" .
node compare.mjs | grep -q '^cgroup-walk  depth 2' || fail "examples/api/compare.mjs against the installed package"
echo "import from \"syscall-lab\" in a project: examples/api/compare.mjs runs"
echo "install test passed"
