import type { ParsedDomain, VnfmMetadata } from '../../domain-xml/src/index.js';
import type { DomainState } from '../../libvirt/src/domain-state.js';
import { driftBetween, type DriftOptions } from './drift.js';

/** What vnfm wants for one VNF, as far as planning needs it. */
export interface DesiredVnf {
  id: string;
  name: string;
  /** DELETE was accepted: the domain must go, then the VNF. */
  deleting: boolean;
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
  /** Start failures back off until then. */
  nextStartAttemptAt: number | null;
  /** Claims a replace dropped, held until no domain of this VNF runs the old definition. */
  hasDroppedDevices: boolean;
}

/** What libvirt has under the VNF's name (null: nothing). */
export interface ObservedDomainFacts {
  uuid: string;
  name: string;
  state: DomainState;
  persistent: boolean;
  /** The inactive definition as vnfm parses it; null when it could not be read. */
  definition: ParsedDomain | null;
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
  /** Look again at this time even without an event (backoff end, shutdown deadline). */
  recheckAt?: number;
  /** True when vnfm is only waiting (backoff, graceful shutdown). */
  waiting?: 'start-backoff' | 'shutdown';
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
 * (delete, define, restart, release, resume/start/shutdown, reboot). Decides with booleans first,
 * then lists the actions, the way KubeVirt's sync does; never looks at how the state came about.
 */
export function planVnf(desired: DesiredVnf, observed: ObservedDomainFacts | null, context: PlanContext): Plan {
  const ours = observed !== null && observed.uuid === desired.id ? observed : null;
  const foreign = observed !== null && ours === null;

  if (desired.deleting) {
    const actions: Action[] = [];
    if (ours && ACTIVE.has(ours.state)) actions.push({ kind: 'destroy', why: 'delete' });
    if (ours) actions.push({ kind: 'undefine' });
    actions.push({ kind: 'forget' });
    return { actions, drift: [], restartRequired: false };
  }
  if (foreign) {
    return {
      actions: [],
      drift: [],
      restartRequired: false,
      conflict: `libvirt domain '${observed.name}' exists and is not managed by vnfm (uuid ${observed.uuid}); it is left untouched`,
    };
  }

  // ---- decide ----
  const stored = ours?.definition ?? null;
  const metadata = stored?.metadata ?? null;
  const updated = stored !== null && metadata?.specHash !== desired.definition.metadata?.specHash;
  const fieldDifferences = stored === null ? [] : driftBetween(withoutMetadata(desired.definition), withoutMetadata(stored), context);
  // Differences while the definition hash still matches were made behind vnfm's back.
  const drift = updated ? [] : fieldDifferences;
  const metadataStale = stored !== null && (!sameOwner(metadata, desired.definition) || metadata?.generation !== desired.definition.metadata?.generation);
  const defineWhy: Extract<Action, { kind: 'define' }>['why'] | null =
    ours === null ? 'missing' : !ours.persistent ? 'transient' : updated ? 'updated' : drift.length > 0 ? 'drift' : metadataStale ? 'metadata' : null;
  const active = ours !== null && ACTIVE.has(ours.state);
  const runsOldDefinition = active && (updated || drift.length > 0 || desired.restartRequired);

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
      if (desired.nextStartAttemptAt !== null && desired.nextStartAttemptAt > context.now) {
        plan.recheckAt = desired.nextStartAttemptAt;
        plan.waiting = 'start-backoff';
      } else {
        actions.push({ kind: 'start', why: ours === null ? 'missing' : active ? 'restart' : 'stopped' });
        justStarted = true;
      }
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

function withoutMetadata(domain: ParsedDomain): ParsedDomain {
  return { ...domain, metadata: null };
}

/** A domain carrying vnfm's mark for a VNF that does not exist. */
export function planOrphan(policy: 'report' | 'delete', observed: ObservedDomainFacts): Action[] {
  if (policy === 'report') return [];
  return [...(ACTIVE.has(observed.state) ? [{ kind: 'destroy', why: 'delete' } as const] : []), { kind: 'undefine' } as const];
}
