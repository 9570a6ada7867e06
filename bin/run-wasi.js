#!/usr/bin/env node
// Loads the CLI, bundled into one CommonJS file by `npm run build` (scripts/bundle-cli.mjs): Node
// starts it ~20 ms sooner than the ES modules in dist/. The exit status is set, not forced, so
// stdout drains first.
"use strict";
process.exitCode = require("../dist/run-wasi.cjs").main(process.argv.slice(2));
