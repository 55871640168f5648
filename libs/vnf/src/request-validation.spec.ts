import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { VnfmError } from '../../core/src/index.js';
import { MAX_BODY_DEPTH, rawBodyProblems, validateBody } from './request-validation.js';
import { makeVnfSpecSchema } from './vnf-spec.schema.js';

function refusal(work: () => unknown): VnfmError {
  try {
    work();
  } catch (error) {
    if (error instanceof VnfmError) return error;
    throw error;
  }
  throw new Error('expected a VnfmError');
}

describe('validateBody', () => {
  const schema = makeVnfSpecSchema({ defaultArch: 'aarch64' });
  const base = { name: 'fw-1', vcpus: 1, memoryMiB: 128 };

  it('answers VnfmError invalid-request naming every bad field', () => {
    const error = refusal(() => validateBody(schema, { ...base, vcpus: 0, extra: 1 }));
    expect(error.code).toBe('invalid-request');
    expect(error.errors).toEqual(
      expect.arrayContaining([
        { field: 'extra', reason: 'unknown field' },
        { field: 'vcpus', reason: expect.any(String) },
      ]),
    );
  });

  it.each([undefined, null, 'x', 1, [base]])('refuses a body that is not an object: %j', (body) => {
    expect(refusal(() => validateBody(schema, body)).errors).toEqual([{ field: '(body)', reason: 'must be a JSON object' }]);
  });

  it('refuses labels.__proto__ instead of dropping it (JSON.parse keeps it as an own key)', () => {
    const body = JSON.parse('{"name":"fw-1","vcpus":1,"memoryMiB":128,"labels":{"__proto__":"x"}}');
    const error = refusal(() => validateBody(schema, body));
    expect(error.errors).toEqual([{ field: 'labels.__proto__', reason: 'reserved key' }]);
    expect(error.message).toBe('labels.__proto__: reserved key');
  });

  it.each([
    ['{"__proto__":{"vcpus":2},"name":"fw-1","vcpus":1,"memoryMiB":128}', '__proto__'],
    ['{"name":"fw-1","vcpus":1,"memoryMiB":128,"labels":{"constructor":"x"}}', 'labels.constructor'],
    ['{"name":"fw-1","vcpus":1,"memoryMiB":128,"labels":{"prototype":"x"}}', 'labels.prototype'],
    ['{"name":"fw-1","vcpus":1,"memoryMiB":128,"interfaces":[{"type":"user"},{"type":"user","constructor":{}}]}', 'interfaces[1].constructor'],
    ['{"name":"fw-1","vcpus":1,"memoryMiB":128,"hostDevices":[{"type":"fsl-mc","select":{"objects":{"__proto__":1}}}]}', 'hostDevices[0].select.objects.__proto__'],
    ['{"name":"fw-1","vcpus":1,"memoryMiB":128,"unknown":[[{"a":{"prototype":1}}]]}', 'unknown[0][0].a.prototype'],
  ])('refuses a reserved key anywhere: %s', (json, field) => {
    expect(refusal(() => validateBody(schema, JSON.parse(json))).errors).toEqual([{ field, reason: 'reserved key' }]);
  });

  it('does not mistake ordinary keys or values for reserved ones', () => {
    expect(rawBodyProblems({ labels: { proto: '__proto__', constructors: 'x' }, description: 'constructor' })).toEqual([]);
  });

  it('names at most 20 reserved keys', () => {
    const body = { items: Array.from({ length: 100 }, () => JSON.parse('{"__proto__":1}')) };
    expect(rawBodyProblems(body)).toHaveLength(20);
  });

  it('refuses deep nesting without recursion, quickly', () => {
    let deep: unknown = {};
    for (let level = 0; level < 100_000; level += 1) deep = [deep];
    const started = Date.now();
    const problems = rawBodyProblems({ name: deep });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(problems).toEqual([{ field: `name${'[0]'.repeat(MAX_BODY_DEPTH - 1)}`, reason: `nested more than ${MAX_BODY_DEPTH} levels deep` }]);
    expect(rawBodyProblems({ a: { b: [{ c: 1 }] } })).toEqual([]);
  });

  it('never names an empty field: an empty key is [""]', () => {
    const error = refusal(() => validateBody(schema, { ...base, '': 1, labels: { '': 'x' } }));
    expect(error.errors).toEqual(expect.arrayContaining([{ field: '[""]', reason: 'unknown field' }, { field: 'labels[""]', reason: expect.any(String) }]));
  });

  it('converts zod issues once: unknown keys are their own fields', () => {
    const error = refusal(() => validateBody(z.strictObject({ a: z.strictObject({ b: z.number() }) }), { a: { b: 'x', c: 1 } }));
    expect(error.errors).toEqual(expect.arrayContaining([{ field: 'a.c', reason: 'unknown field' }, { field: 'a.b', reason: expect.any(String) }]));
  });
});
