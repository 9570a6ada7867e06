#!/usr/bin/env node
// Loads the compiled CLI. The exit status is set, not forced, so stdout drains first.
import { main } from "../dist/cli.js";

process.exitCode = main(process.argv.slice(2));
