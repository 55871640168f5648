import { describe, expect, it } from 'vitest';
import { makeVnfSpecSchema, normalizeSpec, specHash } from '../../vnf/src/index.js';
import { recordFromRow, type VnfRow } from './vnf-record.js';

const request = makeVnfSpecSchema({ defaultArch: 'x86_64' }).parse({ name: 'fw-1', vcpus: 1, memoryMiB: 64, interfaces: [{ type: 'user' }] });
const spec = normalizeSpec(request, { has: () => false });

/** A row as vnfm writes it; each test damages one column. */
function row(changes: Partial<Record<keyof VnfRow, unknown>> = {}): VnfRow {
  return {
    id: '6f1c2a7e-3b1d-4c55-9a8e-2f7c0d3e4b5a',
    name: 'fw-1',
    spec: JSON.stringify(spec),
    spec_hash: specHash(spec),
    generation: 1,
    observed_generation: 1,
    phase: 'Running',
    pending_operation: null,
    restart_required: 0,
    in_sync: 1,
    drift: '[]',
    failure_count: 0,
    next_attempt_at: null,
    shutdown_requested_at: null,
    reboot_requested: 0,
    last_error: null,
    last_reconciled_at: null,
    created_at: '2026-12-04T00:00:00.000Z',
    updated_at: '2026-12-04T00:00:00.000Z',
    ...changes,
  } as VnfRow;
}

describe('recordFromRow: a row vnfm cannot trust has no spec, and says which column is damaged', () => {
  it('a row as vnfm writes it decodes with its spec and no problem', () => {
    const record = recordFromRow(row());
    expect(record.specProblem).toBeNull();
    expect(record.spec).toEqual(spec);
  });

  it.each<[string, Partial<Record<keyof VnfRow, unknown>>, string]>([
    ['a generation that is not a positive integer', { generation: 'abc' }, 'generation is "abc"'],
    ['a generation of 0', { generation: 0 }, 'generation is 0'],
    ['an empty spec hash', { spec_hash: '' }, 'spec_hash is ""'],
    ['a spec hash that would reach XML as markup', { spec_hash: 'x</vnfm:specHash><evil/>' }, 'spec_hash is "x</vnfm:specHash><evil/>"'],
    ['a spec hash in upper case', { spec_hash: specHash(spec).toUpperCase() }, 'spec_hash is'],
    ['a spec naming another VNF than its row', { spec: JSON.stringify({ ...spec, name: 'someone-else' }) }, 'its spec is named "someone-else", its row "fw-1"'],
    ['a row name that is not a VNF name', { name: 'fw-1<evil/>', spec: JSON.stringify(spec) }, 'its row "fw-1<evil/>"'],
    ['an id that is not a UUID', { id: "x'/><evil/>" }, `id is "x'/><evil/>"`],
    ['an unknown pending operation', { pending_operation: 'explode' }, 'pending_operation is "explode"'],
    ['a restart flag that is not 0 or 1', { restart_required: 'yes' }, 'restart_required is "yes"'],
    ['a reboot flag that is not 0 or 1', { reboot_requested: 2 }, 'reboot_requested is 2'],
  ])('%s', (_what, damage, reason) => {
    const record = recordFromRow(row(damage));
    expect(record.spec).toBeNull();
    expect(record.specProblem).toContain('the stored row is damaged');
    expect(record.specProblem).toContain(reason);
  });

  it('a very long damaged value is shown cut short', () => {
    const record = recordFromRow(row({ spec_hash: 'z'.repeat(10_000) }));
    expect(record.specProblem!.length).toBeLessThan(300);
  });

  it('a spec that is not JSON is reported as such', () => {
    expect(recordFromRow(row({ id: 'a6f1c2a7-3b1d-4c55-9a8e-2f7c0d3e4b5a', spec: '{' })).specProblem).toContain('the stored spec is not JSON');
  });
});
