import { describe, expect, it } from 'vitest';
import { coalesce } from './vnf-watch.js';

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
