import type { ParsedDomain, VnfmMetadata } from '../../domain-xml/src/index.js';
import type { DomainState } from '../../libvirt/src/domain-state.js';
import { fieldDriftBetween, type DriftOptions } from './drift.js';

/** What vnfm wants for one VNF, as far as planning needs it. */
export interface DesiredVnf {
  id: string;
  name: string;
  /** This vnfm's instance id: a domain marked by another instance is never ours. */
  instanceId: string;
  powerState: 'running' | 'stopped';
  updateStrategy: 'Restart' | 'OnRestart';
  /** The domain vnfm would define now, parsed back as libvirt's XML is (so both are normalised alike). */
  definition: ParsedDomain;
  /** A one-shot reboot asked for by POST /vnfs/{name}/reboot. */
  rebootRequested: boolean;
  /** The guest runs an older definition (update strategy OnRestart), as last recorded. */
  restartRequired: boolean;
  /** When vnfm asked the guest to shut down (for the destroy-after-timeout rule). */
  shutdownRequestedAt: number | null;
  /** After failed actions, no libvirt action before then (backoff). */
  nextAttemptAt: number | null;
  /** Claims a replace dropped, held until no domain of this VNF runs the old definition. */
  hasDroppedDevices: boolean;
}

/** What libvirt has under the VNF's name (null: nothing). */
export interface ObservedDomainFacts {
  uuid: string;
  name: string;
  state: DomainState;
  persistent: boolean;
  /** The inactive definition as vnfm parses it; null when it could not be read or parsed. */
  definition: ParsedDomain | null;
  /** Why the definition could not be read (it is drift then: redefined from the spec). */
  definitionProblem?: string;
}

export type Action =
  | { kind: 'define'; why: 'missing' | 'transient' | 'updated' | 'drift' | 'metadata' }
  | { kind: 'destroy'; why: 'delete' | 'restart' | 'stop-timeout' | 'stop-paused' }
  | { kind: 'undefine' }
  | { kind: 'forget' }
  | { kind: 'release-dropped-devices' }
  | { kind: 'resume' }
  | { kind: 'start'; why: 'missing' | 'stopped' | 'restart' }
  | { kind: 'shutdown' }
  | { kind: 'reboot' }
  | { kind: 'clear-reboot-request' };

export interface Plan {
  /** In the order to perform them; the executor stops at the first failure. */
  actions: Action[];
  /** Differences libvirt's definition has that nobody asked for (edited out of band), in words. */
  drift: string[];
  /** After the plan, the guest still runs an older definition (update strategy OnRestart). */
  restartRequired: boolean;
  /** The name belongs to a domain vnfm does not own: nothing is done, the VNF fails with this. */
  conflict?: string;
  /** The VNF's own domain (by UUID) carries another name: nothing is done, the VNF fails with this. */
  renamed?: string;
  /** Look again at this time even without an event (backoff end, shutdown deadline). */
  recheckAt?: number;
  /** True when vnfm is only waiting (backoff after failures, graceful shutdown). */
  waiting?: 'backoff' | 'shutdown';
}

export interface PlanContext extends DriftOptions {
  now: number;
  shutdownTimeoutMs: number;
}

const ACTIVE: ReadonlySet<DomainState> = new Set(['running', 'blocked', 'paused', 'shutdown', 'pmsuspended']);

function sameOwner(metadata: VnfmMetadata | null, desired: ParsedDomain): boolean {
  return metadata !== null && metadata.vnfId === desired.metadata?.vnfId;
}

/**
 * The pure heart of reconciliation: desired x observed -> actions, in a fixed priority order
 * (define, restart, release, resume/start/shutdown, reboot). Decides with booleans first, then
 * lists the actions, the way KubeVirt's sync does; never looks at how the state came about.
 * A domain is this VNF's only by UUID, and only if no other vnfm instance has marked it.
 */
export function planVnf(desired: DesiredVnf, observed: ObservedDomainFacts | null, context: PlanContext): Plan {
  const sameUuid = observed !== null && observed.uuid === desired.id;
  const otherInstance = observed?.definition?.metadata?.instanceId ?? null;
  if (sameUuid && observed.name !== desired.name && (otherInstance === null || otherInstance === desired.instanceId)) {
    return {
      actions: [],
      drift: [`name: want ${JSON.stringify(desired.name)}, found ${JSON.stringify(observed.name)}`],
      restartRequired: false,
      renamed: `the domain was renamed to '${observed.name}' behind vnfm's back (uuid ${observed.uuid}); libvirt cannot redefine it under its name while it exists: rename it back (virsh domrename ${observed.name} ${desired.name}, with the guest shut off) or DELETE the VNF`,
    };
  }
  if (observed !== null && (!sameUuid || (otherInstance !== null && otherInstance !== desired.instanceId))) {
    const whose = sameUuid ? `another vnfm instance (${otherInstance})` : 'nothing vnfm manages';
    return {
      actions: [],
      drift: [],
      restartRequired: false,
      conflict: `libvirt domain '${observed.name}' (uuid ${observed.uuid}) belongs to ${whose}; it is left untouched`,
    };
  }
  return afterBackoff(planConvergence(desired, sameUuid ? observed : null, context), desired.nextAttemptAt, context.now);
}

/** After failures, wait out the backoff before touching libvirt again. */
export function afterBackoff(plan: Plan, nextAttemptAt: number | null, now: number): Plan {
  if (plan.actions.length === 0 || nextAttemptAt === null || nextAttemptAt <= now) return plan;
  return { actions: [], drift: plan.drift, restartRequired: plan.restartRequired, recheckAt: nextAttemptAt, waiting: 'backoff' };
}

/**
 * DELETE was accepted: destroy and undefine the VNF's own domain (by UUID), then forget the VNF.
 * A domain another vnfm instance has marked is never removed, even under this VNF's UUID.
 */
export function planDeletion(id: string, instanceId: string, observed: ObservedDomainFacts | null, idDamaged = false): Plan {
  const otherInstance = observed?.definition?.metadata?.instanceId ?? null;
  const oursByUuid = observed !== null && observed.uuid === id && (otherInstance === null || otherInstance === instanceId);
  // A row whose stored id is damaged in its letter case only still names its domain's UUID; that
  // domain is removed when it carries this instance's mark. A domain that only has its name is not.
  const oursButForCase = idDamaged && observed !== null && observed.uuid === id.toLowerCase() && otherInstance === instanceId;
  const ours = oursByUuid || oursButForCase ? observed : null;
  return { actions: [...(ours ? removal(ours) : []), { kind: 'forget' }], drift: [], restartRequired: false };
}

function planConvergence(desired: DesiredVnf, ours: ObservedDomainFacts | null, context: PlanContext): Plan {
  // ---- decide ----
  const stored = ours?.definition ?? null;
  const metadata = stored?.metadata ?? null;
  // The domain is ours by UUID; a missing or unreadable mark is drift, never "in sync".
  const markUnreadable = stored !== null && metadata === null;
  const updated = stored !== null && metadata !== null && metadata.specHash !== desired.definition.metadata?.specHash;
  const fieldDifferences = stored === null ? [] : fieldDriftBetween(desired.definition, stored, context);
  // Differences while the definition hash still matches were made behind vnfm's back.
  const fieldDrift = updated ? [] : fieldDifferences;
  const drift = [
    ...(ours !== null && stored === null ? [`definition: libvirt's definition could not be read (${ours.definitionProblem ?? 'unparseable'}); redefined from the spec`] : []),
    ...(markUnreadable ? ["metadata: vnfm's ownership mark is missing or unreadable"] : []),
    ...fieldDrift,
  ];
  const metadataStale =
    metadata !== null &&
    (!sameOwner(metadata, desired.definition) || metadata.generation !== desired.definition.metadata?.generation || metadata.instanceId !== desired.instanceId);
  const defineWhy: Extract<Action, { kind: 'define' }>['why'] | null =
    ours === null ? 'missing' : !ours.persistent ? 'transient' : updated ? 'updated' : drift.length > 0 ? 'drift' : metadataStale ? 'metadata' : null;
  const active = ours !== null && ACTIVE.has(ours.state);
  const runsOldDefinition = active && (updated || fieldDrift.length > 0 || desired.restartRequired);

  // ---- act ----
  const actions: Action[] = [];
  if (defineWhy) actions.push({ kind: 'define', why: defineWhy });
  let stillActive = active;
  let restartRequired = false;
  const plan: Plan = { actions, drift, restartRequired };

  if (desired.powerState === 'running') {
    if (runsOldDefinition && desired.updateStrategy === 'Restart') {
      actions.push({ kind: 'destroy', why: 'restart' });
      stillActive = false;
    } else if (runsOldDefinition) {
      restartRequired = true;
    }
    if (!stillActive && desired.hasDroppedDevices) actions.push({ kind: 'release-dropped-devices' });
    if (ours?.state === 'paused' && stillActive) actions.push({ kind: 'resume' });
    let justStarted = false;
    if (!stillActive && ours?.state !== 'shutdown') {
      actions.push({ kind: 'start', why: ours === null ? 'missing' : active ? 'restart' : 'stopped' });
      justStarted = true;
    }
    if (desired.rebootRequested) actions.push(stillActive && !justStarted ? { kind: 'reboot' } : { kind: 'clear-reboot-request' });
  } else {
    if (active && ours?.state === 'paused') {
      actions.push({ kind: 'destroy', why: 'stop-paused' });
      stillActive = false;
    } else if (active && desired.shutdownRequestedAt === null) {
      actions.push({ kind: 'shutdown' });
      plan.recheckAt = context.now + context.shutdownTimeoutMs;
      plan.waiting = 'shutdown';
    } else if (active && context.now - (desired.shutdownRequestedAt ?? context.now) >= context.shutdownTimeoutMs) {
      actions.push({ kind: 'destroy', why: 'stop-timeout' });
      stillActive = false;
    } else if (active) {
      plan.recheckAt = (desired.shutdownRequestedAt ?? context.now) + context.shutdownTimeoutMs;
      plan.waiting = 'shutdown';
    }
    if (!stillActive && desired.hasDroppedDevices) actions.push({ kind: 'release-dropped-devices' });
    if (desired.rebootRequested) actions.push({ kind: 'clear-reboot-request' });
    restartRequired = stillActive && runsOldDefinition;
  }
  plan.restartRequired = restartRequired;
  return plan;
}

/**
 * A domain carrying this instance's mark for a VNF that does not exist: reported, or removed by
 * policy. (Domains marked by another instance, or by a vnfm without instance ids, never get here.)
 */
export function planOrphan(policy: 'report' | 'delete', observed: ObservedDomainFacts): Action[] {
  return policy === 'report' ? [] : removal(observed);
}

/** Destroy (when active), then undefine. */
function removal(observed: ObservedDomainFacts): Action[] {
  return [...(ACTIVE.has(observed.state) ? [{ kind: 'destroy', why: 'delete' } as const] : []), { kind: 'undefine' } as const];
}
