#!/usr/bin/env node
// The `asexor` command. Runs on the Node.js pinned in devDependencies (npm scripts/npx put it first on PATH).
import { main } from '../cli/main.ts';

process.exitCode = await main(process.argv.slice(2));
