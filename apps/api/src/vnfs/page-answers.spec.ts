import { describe, expect, it } from 'vitest';
import type { Identity } from '../../../../libs/auth/src/index.js';
import type { VnfPageRead, VnfUseCases } from '../../../../libs/use-cases/src/index.js';
import { WITHHELD } from '../security/redaction.js';
import { PageAnswers } from './page-answers.js';

const admin: Identity = { name: 'ops', scopes: new Set(['admin']), via: 'token' };
const reader: Identity = { name: 'dash', scopes: new Set(['read']), via: 'token' };

/** The use case as PageAnswers sees it: a stamp, and pages that count how often they were made. */
function fakeUseCases(itemsPerPage = 1) {
  const state = { stamp: 's1', lists: 0, asOf: 'stamp' as 'stamp' | 'none' };
  const useCases = {
    pageStamp: () => state.stamp,
    list: async (): Promise<VnfPageRead> => {
      state.lists += 1;
      const items = Array.from({ length: itemsPerPage }, (_, index) => ({
        name: `vnf-${state.lists}-${index}`,
        status: { lastError: { code: 'start-failed', message: 'qemu: /var/lib/secret path', at: 'now' } },
      }));
      return { page: { items, nextCursor: null } as unknown as VnfPageRead['page'], asOf: state.asOf === 'stamp' ? state.stamp : null };
    },
  };
  return { state, useCases: useCases as unknown as VnfUseCases };
}

describe('PageAnswers', () => {
  it('answers a page again only while the stamp it was made at holds', async () => {
    const { state, useCases } = fakeUseCases();
    const pages = new PageAnswers(useCases);
    const first = await pages.json({ limit: 100 }, admin);
    expect(await pages.json({ limit: 100 }, admin)).toBe(first);
    expect(state.lists).toBe(1);
    state.stamp = 's2'; // anything in the store, the status or the connection changed
    const second = await pages.json({ limit: 100 }, admin);
    expect(second).not.toBe(first);
    expect(state.lists).toBe(2);
  });

  it('keeps nothing made with libvirt asked (no stamp), and keys by query and by what the caller may see', async () => {
    const { state, useCases } = fakeUseCases();
    const pages = new PageAnswers(useCases);
    state.asOf = 'none';
    await pages.json({ limit: 100 }, admin);
    await pages.json({ limit: 100 }, admin);
    expect(state.lists).toBe(2);
    state.asOf = 'stamp';
    const forAdmin = JSON.parse(await pages.json({ limit: 100 }, admin)) as { items: Array<{ status: { lastError: { message: string } } }> };
    const forReader = JSON.parse(await pages.json({ limit: 100 }, reader)) as typeof forAdmin;
    expect(forAdmin.items[0]!.status.lastError.message).toContain('/var/lib/secret');
    expect(forReader.items[0]!.status.lastError.message).toBe(WITHHELD);
    await pages.json({ limit: 100, phase: 'Running' }, admin);
    await pages.json({ limit: 100, labels: [['site', 'edge']] }, admin);
    expect(state.lists).toBe(6);
    await pages.json({ limit: 100 }, reader);
    await pages.json({ limit: 100, labels: [['site', 'edge']] }, admin);
    expect(state.lists).toBe(6);
  });

  it('keeps the most recently used answers up to its size, and none larger than that', async () => {
    const { state, useCases } = fakeUseCases(10);
    const size = (await new PageAnswers(fakeUseCases(10).useCases).json({}, admin)).length;
    const pages = new PageAnswers(useCases, size * 2);
    await pages.json({ cursor: 'a' }, admin);
    await pages.json({ cursor: 'b' }, admin);
    await pages.json({ cursor: 'a' }, admin); // a is now the most recent
    await pages.json({ cursor: 'c' }, admin); // b goes
    expect(state.lists).toBe(3);
    await pages.json({ cursor: 'a' }, admin);
    await pages.json({ cursor: 'c' }, admin);
    expect(state.lists).toBe(3);
    await pages.json({ cursor: 'b' }, admin);
    expect(state.lists).toBe(4);
    const tiny = new PageAnswers(useCases, 10);
    await tiny.json({}, admin);
    await tiny.json({}, admin);
    expect(state.lists).toBe(6);
  });
});
