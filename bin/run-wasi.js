#!/usr/bin/env node
// Loads the CLI from the CommonJS bundle `npm run build` makes (scripts/bundle-cjs.mjs): Node
// starts it ~20 ms sooner than the ES modules in dist/. The exit status is set, not forced, so
// stdout drains first.
"use strict";
process.exitCode = require("../dist/run-wasi.cjs").load("cli.js").main(process.argv.slice(2));
