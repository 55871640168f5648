import { beforeAll, describe, expect, it } from 'vitest';
import { designDomain, type HostFacts } from '../../designer/src/index.js';
import { buildDomainXml, parseDomainXml, type ParsedDomain } from '../../domain-xml/src/index.js';
import type { DomainState } from '../../libvirt/src/domain-state.js';
import { makeVnfSpecSchema, normalizeSpec } from '../../vnf/src/index.js';
import { planDeletion, planOrphan, planVnf, type Action, type DesiredVnf, type ObservedDomainFacts, type PlanContext } from './plan.js';

const ID = '0b7e1c2a-5a8e-4b11-9d9e-3f3a4b5c6d7e';
const INSTANCE = '9d1f7a10-1111-4222-8333-444455556666';
const HOST: HostFacts = { arch: 'aarch64', kvmArches: new Set(['aarch64']) };
const NOW = 1_000_000;
const CONTEXT: PlanContext = { now: NOW, shutdownTimeoutMs: 60_000, driverKeepsQemuCommandline: true };

async function definition(overrides: Record<string, unknown> = {}, specHash = 'a'.repeat(64), generation = 1): Promise<ParsedDomain> {
  const request = makeVnfSpecSchema({ defaultArch: 'aarch64' }).parse({ name: 'fw-1', vcpus: 2, memoryMiB: 256, interfaces: [{ type: 'user', mac: '52:54:00:00:00:01' }], ...overrides });
  const spec = normalizeSpec(request, new Set());
  const devices = spec.hostDevices.map((_, index) => ({ slot: `hostDevices[${index}]`, kind: 'fsl-mc' as const, name: 'dprc.2' }));
  return parseDomainXml(buildDomainXml(designDomain({ id: ID, instanceId: INSTANCE, specHash, generation }, spec, HOST, devices)));
}

let base: ParsedDomain;
beforeAll(async () => {
  base = await definition();
});

function desired(overrides: Partial<DesiredVnf> = {}): DesiredVnf {
  return {
    id: ID,
    name: 'fw-1',
    instanceId: INSTANCE,
    powerState: 'running',
    updateStrategy: 'Restart',
    definition: base,
    rebootRequested: false,
    restartRequired: false,
    shutdownRequestedAt: null,
    nextAttemptAt: null,
    hasDroppedDevices: false,
    ...overrides,
  };
}

function observed(state: DomainState, overrides: Partial<ObservedDomainFacts> = {}): ObservedDomainFacts {
  return { uuid: ID, name: 'fw-1', state, persistent: true, definition: base, ...overrides };
}

const kinds = (actions: Action[]) => actions.map((action) => ('why' in action ? `${action.kind}:${action.why}` : action.kind));

describe('planVnf: desired x observed -> actions', () => {
  it('missing domain: define and start; define only when it should be stopped', () => {
    expect(kinds(planVnf(desired(), null, CONTEXT).actions)).toEqual(['define:missing', 'start:missing']);
    expect(kinds(planVnf(desired({ powerState: 'stopped' }), null, CONTEXT).actions)).toEqual(['define:missing']);
  });

  it('in sync and running: nothing to do', () => {
    const plan = planVnf(desired(), observed('running'), CONTEXT);
    expect(plan).toMatchObject({ actions: [], drift: [], restartRequired: false });
  });

  it('shut off or crashed but wanted running: start', () => {
    expect(kinds(planVnf(desired(), observed('shutoff'), CONTEXT).actions)).toEqual(['start:stopped']);
    expect(kinds(planVnf(desired(), observed('crashed'), CONTEXT).actions)).toEqual(['start:stopped']);
  });

  it('failures back off: no libvirt action of any kind before the stored time, and a recheck at it', () => {
    const plan = planVnf(desired({ nextAttemptAt: NOW + 5_000 }), observed('shutoff'), CONTEXT);
    expect(plan).toMatchObject({ actions: [], waiting: 'backoff', recheckAt: NOW + 5_000 });
    expect(planVnf(desired({ nextAttemptAt: NOW + 5_000 }), null, CONTEXT)).toMatchObject({ actions: [], waiting: 'backoff' });
    expect(kinds(planVnf(desired({ nextAttemptAt: NOW - 1 }), observed('shutoff'), CONTEXT).actions)).toEqual(['start:stopped']);
    // Nothing to do: no waiting either.
    expect(planVnf(desired({ nextAttemptAt: NOW + 5_000 }), observed('running'), CONTEXT).waiting).toBeUndefined();
  });

  it('running but wanted stopped: graceful shutdown, then destroy after the timeout', () => {
    const first = planVnf(desired({ powerState: 'stopped' }), observed('running'), CONTEXT);
    expect(kinds(first.actions)).toEqual(['shutdown']);
    expect(first).toMatchObject({ waiting: 'shutdown', recheckAt: NOW + 60_000 });
    const waiting = planVnf(desired({ powerState: 'stopped', shutdownRequestedAt: NOW - 10_000 }), observed('running'), CONTEXT);
    expect(waiting).toMatchObject({ actions: [], recheckAt: NOW + 50_000 });
    const late = planVnf(desired({ powerState: 'stopped', shutdownRequestedAt: NOW - 60_000 }), observed('running'), CONTEXT);
    expect(kinds(late.actions)).toEqual(['destroy:stop-timeout']);
  });

  it('paused unexpectedly: resume when wanted running, destroy when wanted stopped', () => {
    expect(kinds(planVnf(desired(), observed('paused'), CONTEXT).actions)).toEqual(['resume']);
    expect(kinds(planVnf(desired({ powerState: 'stopped' }), observed('paused'), CONTEXT).actions)).toEqual(['destroy:stop-paused']);
  });

  it('undefined out of band while running (now transient): defined again, not restarted', () => {
    expect(kinds(planVnf(desired(), observed('running', { persistent: false }), CONTEXT).actions)).toEqual(['define:transient']);
  });

  it('edited out of band: redefined and reported as drift; restarted under Restart, flagged under OnRestart', async () => {
    const edited = await definition({ memoryMiB: 512 });
    const restart = planVnf(desired(), observed('running', { definition: edited }), CONTEXT);
    expect(kinds(restart.actions)).toEqual(['define:drift', 'destroy:restart', 'start:restart']);
    expect(restart.drift).toEqual(['memoryKiB: want 262144, found 524288']);
    const onRestart = planVnf(desired({ updateStrategy: 'OnRestart' }), observed('running', { definition: edited }), CONTEXT);
    expect(kinds(onRestart.actions)).toEqual(['define:drift']);
    expect(onRestart.restartRequired).toBe(true);
    const stopped = planVnf(desired(), observed('shutoff', { definition: edited }), CONTEXT);
    expect(kinds(stopped.actions)).toEqual(['define:drift', 'start:stopped']);
  });

  it('an interface removed out of band is named in the drift', async () => {
    const withoutNic = await definition({ interfaces: [] });
    expect(planVnf(desired(), observed('shutoff', { definition: withoutNic }), CONTEXT).drift).toEqual(['user NIC 52:54:00:00:00:01 is missing']);
  });

  it('a spec change (new hash) is an update, not drift', async () => {
    const newer = await definition({ vcpus: 4 }, 'b'.repeat(64), 2);
    const plan = planVnf(desired({ definition: newer }), observed('running'), CONTEXT);
    expect(kinds(plan.actions)).toEqual(['define:updated', 'destroy:restart', 'start:restart']);
    expect(plan.drift).toEqual([]);
  });

  it('a new generation with the same hash (labels, autostart) only rewrites the metadata: no restart', async () => {
    const relabelled = await definition({}, 'a'.repeat(64), 2);
    expect(kinds(planVnf(desired({ definition: relabelled }), observed('running'), CONTEXT).actions)).toEqual(['define:metadata']);
  });

  it('<qemu:commandline> removed: drift where the driver keeps it, nothing where it never does (test driver)', async () => {
    const dpaa2 = await definition({ hostDevices: [{ type: 'fsl-mc', container: 'dprc.2' }] });
    const stripped: ParsedDomain = { ...dpaa2, qemuCommandline: undefined };
    delete (stripped as { qemuCommandline?: unknown }).qemuCommandline;
    const keeps = planVnf(desired({ definition: dpaa2 }), observed('running', { definition: stripped }), CONTEXT);
    expect(keeps.drift).toEqual([expect.stringContaining('qemu:commandline: want {"devices":[{"driver":"vfio-fsl-mc","host":"dprc.2"}]}')]);
    const drops = planVnf(desired({ definition: dpaa2 }), observed('running', { definition: stripped }), { ...CONTEXT, driverKeepsQemuCommandline: false });
    expect(drops).toMatchObject({ actions: [], drift: [] });
  });

  it('a replace dropped devices: released once no domain runs the old definition, before starting', () => {
    expect(kinds(planVnf(desired({ hasDroppedDevices: true }), observed('shutoff'), CONTEXT).actions)).toEqual(['release-dropped-devices', 'start:stopped']);
    expect(kinds(planVnf(desired({ hasDroppedDevices: true, updateStrategy: 'OnRestart', restartRequired: true }), observed('running'), CONTEXT).actions)).toEqual([]);
  });

  it('reboot: a one-shot on a running guest; cleared when the guest is off or just starting', () => {
    expect(kinds(planVnf(desired({ rebootRequested: true }), observed('running'), CONTEXT).actions)).toEqual(['reboot']);
    expect(kinds(planVnf(desired({ rebootRequested: true }), observed('shutoff'), CONTEXT).actions)).toEqual(['start:stopped', 'clear-reboot-request']);
    expect(kinds(planVnf(desired({ rebootRequested: true, powerState: 'stopped' }), observed('shutoff'), CONTEXT).actions)).toEqual(['clear-reboot-request']);
  });

  it('deleting: destroy, undefine, forget — never a domain vnfm does not own', () => {
    expect(kinds(planDeletion(ID, INSTANCE, observed('running')).actions)).toEqual(['destroy:delete', 'undefine', 'forget']);
    expect(kinds(planDeletion(ID, INSTANCE, observed('shutoff')).actions)).toEqual(['undefine', 'forget']);
    expect(kinds(planDeletion(ID, INSTANCE, null).actions)).toEqual(['forget']);
    expect(kinds(planDeletion(ID, INSTANCE, observed('running', { uuid: 'other' })).actions)).toEqual(['forget']);
  });

  it('deleting a row whose stored id is damaged in case: its domain (that UUID but for case, our mark) goes, renamed or not; a domain that only has its name stays', () => {
    const damaged = ID.toUpperCase();
    expect(kinds(planDeletion(damaged, INSTANCE, observed('running'), true).actions)).toEqual(['destroy:delete', 'undefine', 'forget']);
    expect(kinds(planDeletion(damaged, INSTANCE, observed('running', { name: 'fw-1-renamed' }), true).actions)).toEqual(['destroy:delete', 'undefine', 'forget']);
    // Unless the reconciler found the id damaged and no other VNF's.
    expect(kinds(planDeletion(damaged, INSTANCE, observed('running')).actions)).toEqual(['forget']);
    expect(kinds(planDeletion(damaged, INSTANCE, observed('running', { uuid: 'ffffffff-0000-4000-8000-000000000000' }), true).actions)).toEqual(['forget']);
    const unmarked = { ...base, metadata: null };
    expect(kinds(planDeletion(damaged, INSTANCE, observed('running', { definition: unmarked }), true).actions)).toEqual(['forget']);
    const theirs = { ...base, metadata: { ...base.metadata!, instanceId: 'another-instance' } };
    expect(kinds(planDeletion(damaged, INSTANCE, observed('running', { definition: theirs }), true).actions)).toEqual(['forget']);
  });

  it('deleting never removes a domain another instance has marked, even under our UUID', () => {
    const theirs = { ...base, metadata: { ...base.metadata!, instanceId: 'another-instance' } };
    expect(kinds(planDeletion(ID, INSTANCE, observed('running', { definition: theirs })).actions)).toEqual(['forget']);
  });

  it('our domain (by UUID) renamed behind vnfm\'s back: no action, reported, never redefined over', () => {
    const plan = planVnf(desired(), observed('shutoff', { name: 'fw-1-renamed' }), CONTEXT);
    expect(plan.actions).toEqual([]);
    expect(plan.renamed).toMatch(/renamed to 'fw-1-renamed'/);
    expect(kinds(planDeletion(ID, INSTANCE, observed('running', { name: 'fw-1-renamed' })).actions)).toEqual(['destroy:delete', 'undefine', 'forget']);
  });

  it('a foreign domain holding the name: no action, a conflict', () => {
    const plan = planVnf(desired(), observed('running', { uuid: 'ffffffff-0000-4000-8000-000000000000', definition: null }), CONTEXT);
    expect(plan.actions).toEqual([]);
    expect(plan.conflict).toMatch(/belongs to nothing vnfm manages/);
  });

  it('a domain with our UUID but another instance\'s mark: a conflict, never touched', () => {
    const theirs = { ...base, metadata: { ...base.metadata!, instanceId: 'another-instance' } };
    const plan = planVnf(desired(), observed('shutoff', { definition: theirs }), CONTEXT);
    expect(plan.actions).toEqual([]);
    expect(plan.conflict).toMatch(/another vnfm instance/);
  });

  it('an unreadable mark or definition on our domain is drift: redefined, never in sync', () => {
    const unmarked = planVnf(desired(), observed('running', { definition: { ...base, metadata: null } }), CONTEXT);
    expect(kinds(unmarked.actions)).toEqual(['define:drift']);
    expect(unmarked.drift[0]).toMatch(/ownership mark/);
    const unmarkedAndEdited = planVnf(desired(), observed('running', { definition: { ...base, metadata: null, memoryKiB: base.memoryKiB * 2 } }), CONTEXT);
    expect(kinds(unmarkedAndEdited.actions)).toEqual(['define:drift', 'destroy:restart', 'start:restart']);
    expect(unmarkedAndEdited.drift.some((line) => line.startsWith('memoryKiB'))).toBe(true);
    const unparsed = planVnf(desired(), observed('running', { definition: null, definitionProblem: 'bad XML' }), CONTEXT);
    expect(kinds(unparsed.actions)).toEqual(['define:drift']);
    expect(unparsed.drift[0]).toMatch(/could not be read \(bad XML\)/);
  });

  it('a mark from before instance ids (or of an older generation) is rewritten without a restart', () => {
    const legacy = { ...base, metadata: { ...base.metadata!, instanceId: null } };
    expect(kinds(planVnf(desired(), observed('running', { definition: legacy }), CONTEXT).actions)).toEqual(['define:metadata']);
  });

  it('orphans (vnfm metadata, no VNF): reported by default, removed under the delete policy', () => {
    expect(planOrphan('report', observed('running'))).toEqual([]);
    expect(kinds(planOrphan('delete', observed('running')))).toEqual(['destroy:delete', 'undefine']);
    expect(kinds(planOrphan('delete', observed('shutoff')))).toEqual(['undefine']);
  });
});
