import { describe, expect, it } from 'vitest';
import { etagOf } from './etag.js';

describe('etagOf', () => {
  const spec = { name: 'web', vcpus: 1, labels: { tier: 'a' } };
  const source = { id: '3f1c1e52-7d0a-4b59-9d43-0c8f2d1b2a11', generation: 1, spec, pendingOperation: null };

  it('answers for a spec object it has seen what it answers for an equal copy', () => {
    const first = etagOf(source);
    expect(etagOf(source)).toBe(first);
    expect(etagOf({ ...source, spec: structuredClone(spec) })).toBe(first);
  });

  it('changes with the generation, the pending operation and the id for the same spec object', () => {
    const tags = new Set([
      etagOf(source),
      etagOf({ ...source, generation: 2 }),
      etagOf({ ...source, generation: 2, pendingOperation: 'delete' }),
      etagOf({ ...source, id: '00000000-0000-4000-8000-000000000001' }),
      etagOf(source),
    ]);
    expect(tags.size).toBe(4);
    expect(etagOf({ ...source, generation: 2 })).toBe(etagOf({ ...source, spec: structuredClone(spec), generation: 2 }));
  });

  it('without a spec (unreadable row)', () => {
    expect(etagOf({ ...source, spec: null })).toMatch(/^"1-[A-Za-z0-9_-]{22}"$/);
  });
});
