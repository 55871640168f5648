import { describe, expect, it } from 'vitest';
import { VnfWatch, coalesce } from './vnf-watch.js';

const change = (id: number, vnfId: string, kind: 'created' | 'modified' | 'deleted') => ({ id, vnfId, vnfName: vnfId, kind, at: '', labels: null });

describe('coalesce', () => {
  it('keeps the newest change of each VNF, in change order, remembering a create', () => {
    expect(coalesce([change(1, 'a', 'created'), change(2, 'b', 'modified'), change(3, 'a', 'modified')])).toEqual([
      { ...change(2, 'b', 'modified'), created: false },
      { ...change(3, 'a', 'modified'), created: true },
    ]);
  });

  it('a delete is the last word', () => {
    expect(coalesce([change(4, 'a', 'modified'), change(5, 'a', 'deleted')])).toEqual([{ ...change(5, 'a', 'deleted'), created: false }]);
  });
});

describe('VnfWatch: the number of streams, and closing them all', () => {
  /** A change log with no changes: enough for the watch's bookkeeping. */
  const emptyLog = {
    latest: () => 0,
    oldest: () => null,
    after: () => [],
    onCommit: () => () => undefined,
  } as unknown as ConstructorParameters<typeof VnfWatch>[0];

  it('refuses a stream past the limit with too-many-streams, and takes one again when one stops', () => {
    const watch = new VnfWatch(emptyLog, async () => null, 2);
    const first = watch.watch({}, () => undefined);
    watch.requireRoom();
    watch.watch({}, () => undefined);
    expect(() => watch.requireRoom()).toThrow(expect.objectContaining({ code: 'too-many-streams' }));
    first();
    expect(() => watch.requireRoom()).not.toThrow();
  });

  it('close() ends every open stream once and ends a stream asked for later at once', () => {
    const watch = new VnfWatch(emptyLog, async () => null);
    const ended: string[] = [];
    const stopA = watch.watch({}, () => undefined, () => ended.push('a'));
    watch.watch({}, () => undefined, () => ended.push('b'));
    watch.close();
    stopA();
    watch.close();
    expect(ended.sort()).toEqual(['a', 'b']);
    const sent: unknown[] = [];
    watch.watch({}, (event) => sent.push(event), () => ended.push('late'));
    expect(ended).toContain('late');
    expect(sent).toEqual([]);
  });
});
