import { describe, expect, it } from 'vitest';
import { LOCAL_OPERATOR, type Identity } from '../../../../libs/auth/src/index.js';
import { PROBLEM_BASE } from '../common/problem.js';
import { WITHHELD, forCaller, redactBody } from './redaction.js';

const reader: Identity = { name: 'r', scopes: new Set(['read']), via: 'token' };
const writer: Identity = { name: 'w', scopes: new Set(['write']), via: 'token' };
const admin: Identity = { name: 'a', scopes: new Set(['admin']), via: 'token' };
const libvirtText = "internal error: process exited while connecting to monitor: /var/lib/libvirt/qemu/domain-3/master-key.aes: Permission denied";

describe('host text is for admin only', () => {
  it('problems whose detail is libvirt or SQLite text lose it for read and write tokens and anonymous callers', () => {
    const problem = { type: `${PROBLEM_BASE}domain-rejected`, title: 'Unprocessable request', status: 422, detail: libvirtText };
    for (const caller of [reader, writer, null]) {
      const shown = forCaller(problem, caller);
      expect(shown.detail).not.toContain('/var/lib');
      expect(shown.detail).toContain('domain-rejected');
      expect(shown.status).toBe(422);
    }
    expect(forCaller(problem, admin).detail).toBe(libvirtText);
    expect(forCaller(problem, LOCAL_OPERATOR).detail).toBe(libvirtText);
    const ours = { type: `${PROBLEM_BASE}invalid-request`, title: 'x', status: 400, detail: 'vcpus: must be at least 1' };
    expect(forCaller(ours, reader)).toEqual(ours);
  });

  it("a VNF's lastError and its failure events, alone or in lists", () => {
    const view = { name: 'fw', status: { phase: 'Failed', lastError: { code: 'start-failed', message: libvirtText, at: 'now' } } };
    const shown = redactBody(view, reader);
    expect(shown.status.lastError).toEqual({ code: 'start-failed', message: WITHHELD, at: 'now' });
    expect(shown.status.phase).toBe('Failed');
    expect(redactBody({ items: [view] }, writer).items[0]!.status.lastError.message).toBe(WITHHELD);
    expect(redactBody(view, admin)).toBe(view);
    const events = { items: [{ at: 't', type: 'start-failed', message: libvirtText }, { at: 't', type: 'Started', message: 'domain started' }] };
    expect(redactBody(events, reader).items.map((event) => event.message)).toEqual([WITHHELD, 'domain started']);
    const ownError = { name: 'x', status: { lastError: { code: 'spec-unreadable', message: 'stored spec: vcpus missing' } } };
    expect(redactBody(ownError, reader)).toEqual(ownError);
  });
});
