import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { serviceCommandLine } from './node-flags.js';

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');

describe("the service's command line (V8 flags, malloc's arenas)", () => {
  const { environment, nodeFlags } = serviceCommandLine(read('./main.ts'));

  it('is the executable first line', () => {
    expect(nodeFlags).toEqual(['--max-old-space-size=512', '--max-semi-space-size=2', '--compact-on-every-full-gc']);
    expect(environment).toEqual({ MALLOC_ARENA_MAX: '2' });
  });

  it('is the same in npm start (where the operator\'s own value of a variable wins)', () => {
    const start = (JSON.parse(read('../../../package.json')) as { scripts: { start: string } }).scripts.start.split(' ');
    expect(start.filter((word) => word.startsWith('--') && word !== '--enable-source-maps')).toEqual(nodeFlags);
    expect(start.filter((word) => /^[A-Z_]+=/.test(word))).toEqual(Object.entries(environment).map(([name, value]) => `${name}=\${${name}:-${value}}`));
  });

  it('is the same in the Dockerfile', () => {
    const dockerfile = read('../../../Dockerfile');
    for (const [name, value] of Object.entries(environment)) expect(dockerfile).toMatch(new RegExp(`^ENV ${name}=${value}$`, 'm'));
    const command = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]!) as string[];
    expect(command.filter((word) => word.startsWith('--') && word !== '--enable-source-maps')).toEqual(nodeFlags);
  });

  it('read from a shebang without env -S: nothing', () => {
    expect(serviceCommandLine('#!/usr/bin/env node\nconsole.log(1);\n')).toEqual({ environment: {}, nodeFlags: [] });
    expect(serviceCommandLine('#!/usr/bin/env -S node --a\n')).toEqual({ environment: {}, nodeFlags: ['--a'] });
  });
});
