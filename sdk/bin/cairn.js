#!/usr/bin/env node
// The `cairn` command. The CLI is TypeScript, run by Node's own type stripping (Node >= 22.18).
import { main } from '../src/cli.ts';

process.exitCode = await main(process.argv.slice(2));
