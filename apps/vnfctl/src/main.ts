#!/usr/bin/env node
import { runVnfctl } from './cli.js';

const controller = new AbortController();
process.on('SIGINT', () => controller.abort());
const code = await runVnfctl(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
  signal: controller.signal,
  terminal: { stdin: process.stdin, stdout: process.stdout },
});
process.exitCode = code;
