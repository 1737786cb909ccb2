#!/usr/bin/env node
import { processIo } from './cli/cli-io.js';
import { runCli } from './cli/program.js';

runCli(process.argv.slice(2), processIo()).then(
  (code) => process.exit(code),
  (error) => {
    // A bug, not a usage problem: the whole error, so it can be reported.
    console.error('sluice: unexpected error:', error);
    process.exit(1);
  },
);
