import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { serviceNodeFlags } from './node-flags.js';

describe("the service's V8 flags", () => {
  it('are the same in the executable (shebang) and in npm start', () => {
    const start = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } }).scripts.start;
    const flags = serviceNodeFlags(readFileSync(new URL('./main.ts', import.meta.url), 'utf8'));
    expect(flags).toEqual(expect.arrayContaining(['--max-old-space-size=512', '--max-semi-space-size=2']));
    expect(start.split(' ').filter((word) => word.startsWith('--max-'))).toEqual(flags);
  });

  it('read from a shebang without env -S: none', () => {
    expect(serviceNodeFlags('#!/usr/bin/env node\nconsole.log(1);\n')).toEqual([]);
  });
});
