#!/usr/bin/env node
// Test support: runs a connector program after noting the command it was started with (one
// line in <dir>/starts.log), so a test can count the connector processes a run starts.
// Usage: count-starts.mjs <dir> <program.js> <command> [args…]
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [dir, program, ...args] = process.argv.slice(2);
appendFileSync(join(dir, 'starts.log'), `${args[0]}\n`);
process.argv = [process.argv[0], program, ...args];
await import(pathToFileURL(program).href);
