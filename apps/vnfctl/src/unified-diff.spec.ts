import { describe, expect, it } from 'vitest';
import { unifiedDiff } from './unified-diff.js';

describe('unifiedDiff', () => {
  it('is empty for the same text', () => {
    expect(unifiedDiff('a\nb\n', 'a\nb\n', { from: 'x', to: 'y' })).toBe('');
  });

  it('writes diff -u hunks with context', () => {
    const before = ['<domain>', '  <name>fw</name>', '  <vcpu>1</vcpu>', '  <memory>64</memory>', '</domain>', ''].join('\n');
    const after = before.replace('<vcpu>1</vcpu>', '<vcpu>2</vcpu>');
    expect(unifiedDiff(before, after, { from: 'live', to: 'file' }, 1)).toBe(
      ['--- live', '+++ file', '@@ -2,3 +2,3 @@', '   <name>fw</name>', '-  <vcpu>1</vcpu>', '+  <vcpu>2</vcpu>', '   <memory>64</memory>', ''].join('\n'),
    );
  });

  it('separate hunks for distant changes, additions at the end', () => {
    const before = Array.from({ length: 12 }, (_, index) => `l${index}`).join('\n');
    const after = before.replace('l1', 'L1') + '\nextra';
    const diff = unifiedDiff(before, after, { from: 'a', to: 'b' }, 1);
    expect(diff.match(/^@@/gm)).toHaveLength(2);
    expect(diff).toContain('@@ -1,3 +1,3 @@\n l0\n-l1\n+L1\n l2\n');
    expect(diff).toContain('@@ -12,1 +12,2 @@\n l11\n+extra\n');
  });
});
