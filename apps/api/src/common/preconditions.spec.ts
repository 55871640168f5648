import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import { VnfmError } from '../../../../libs/core/src/index.js';
import { etagOf, requireMatch } from '../../../../libs/use-cases/src/index.js';
import { idempotencyKeyOf, ifMatchOf } from './preconditions.js';

const request = (headers: Record<string, string | string[]>) => ({ headers }) as unknown as Request;
const vnf = { id: 'a5f0c3f4-0000-4000-8000-000000000001', generation: 3, spec: { name: 'fw-1', vcpus: 2 }, pendingOperation: null };

describe('If-Match and Idempotency-Key at the edge', () => {
  it('parses *, lists and weak tags; refuses anything else naming the header', () => {
    expect(ifMatchOf(request({}))).toBeUndefined();
    expect(ifMatchOf(request({ 'if-match': ' * ' }))).toBe('*');
    expect(ifMatchOf(request({ 'if-match': '"a", W/"b"' }))).toEqual(['"a"', 'W/"b"']);
    expect(() => ifMatchOf(request({ 'if-match': 'a' }))).toThrow(VnfmError);
    expect(() => ifMatchOf(request({ 'if-match': '"a" "b"' }))).toThrow(/If-Match/);
  });

  it('takes a tame key only', () => {
    expect(idempotencyKeyOf(request({ 'idempotency-key': '0b9d8a2e-5f8c-4c7e-9d1a-8f6b1c2d3e4f' }))).toBe('0b9d8a2e-5f8c-4c7e-9d1a-8f6b1c2d3e4f');
    for (const bad of ['', ' x', 'a b', 'x'.repeat(129), '-leading', 'semi;colon']) expect(() => idempotencyKeyOf(request({ 'idempotency-key': bad })), bad).toThrow(VnfmError);
  });
});

describe('etagOf / requireMatch', () => {
  it('a strong tag that moves with generation, spec and pending operation only', () => {
    const tag = etagOf(vnf);
    expect(tag).toMatch(/^"3-[A-Za-z0-9_-]{22}"$/);
    expect(etagOf({ ...vnf, spec: { vcpus: 2, name: 'fw-1' } })).toBe(tag);
    expect(etagOf({ ...vnf, generation: 4 })).not.toBe(tag);
    expect(etagOf({ ...vnf, spec: { ...vnf.spec, vcpus: 3 } })).not.toBe(tag);
    expect(etagOf({ ...vnf, pendingOperation: 'delete' })).not.toBe(tag);
  });

  it('412 unless the current tag is listed (strong comparison); * needs the VNF to exist', () => {
    const tag = etagOf(vnf);
    expect(() => requireMatch(undefined, null, 'x')).not.toThrow();
    expect(() => requireMatch([tag], vnf, 'x')).not.toThrow();
    expect(() => requireMatch(['"other"', tag], vnf, 'x')).not.toThrow();
    expect(() => requireMatch([`W/${tag}`], vnf, 'x')).toThrow(expect.objectContaining({ code: 'precondition-failed' }));
    expect(() => requireMatch('*', vnf, 'x')).not.toThrow();
    expect(() => requireMatch('*', null, 'x')).toThrow(expect.objectContaining({ code: 'precondition-failed' }));
  });
});
