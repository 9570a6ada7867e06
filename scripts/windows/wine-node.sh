#!/bin/sh
# The `--node` of the conformance executor in the Windows lane: Windows node.exe under Wine.
# The lane (scripts/windows-lane.sh) sets RUN_WASI_NODE_EXE and the WINE* variables.
exec wine "${RUN_WASI_NODE_EXE:?set by scripts/windows-lane.sh}" "$@"
