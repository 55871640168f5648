import { VnfmError, messageOf, type ErrorCode } from '../../../core/src/index.js';
import { refuseDisallowedResources, type HostResourcePort, type ResourceSpec } from '../../../host-resources/src/index.js';
import type { VnfRepository } from '../../../inventory/src/index.js';
import { LibvirtConnectionError, LibvirtError, LibvirtTimeoutError, type LibvirtPort } from '../../../libvirt/src/index.js';
import type { Action } from '../plan.js';
import type { EventBatch, VnfEventLog } from './event-log.js';
import { DomainStatusView } from './domain-status-view.js';
import type { Failpoints } from './failpoints.js';
import { OwnEvents } from './own-events.js';

/**
 * How executing a plan ended. `recorded`: the events it told, being stored; the caller awaits it
 * beside its status write, so both share one commit.
 */
export type Execution = Outcome & { recorded: Promise<void> };

type Outcome =
  /** `shutDownAtOnce`: the guest asked to shut down was already off when looked at right after. */
  | { kind: 'done'; startedNow: boolean; shutdownRequested: boolean; shutDownAtOnce: boolean; forgotten: boolean }
  /** libvirt refused the definition itself. */
  | { kind: 'rejected'; message: string }
  /** A libvirt operation failed (the step says which). */
  | { kind: 'failed'; step: Action['kind']; code: ErrorCode; message: string }
  /** libvirt unreachable: try again later, nothing is wrong with the VNF. */
  | { kind: 'deferred'; step: Action['kind']; message: string };

/** What the executor acts on: a VNF (or an orphan) by its domain's UUID. */
export interface ActionTarget {
  /** The VNF id, which is the domain UUID. */
  id: string;
  name: string;
  /** The domain's UUID when it is not the id: a row whose stored id is damaged in case names it but for case. */
  domainUuid?: string | undefined;
  generation?: number;
  autostart?: boolean;
  /** The host files and interfaces the domain uses: checked against the allow-lists before every define and start. */
  resources?: ResourceSpec;
}

const FAILURE_CODES: Record<Action['kind'], ErrorCode> = {
  define: 'define-failed',
  destroy: 'destroy-failed',
  undefine: 'undefine-failed',
  forget: 'forget-failed',
  'release-dropped-devices': 'release-failed',
  resume: 'resume-failed',
  start: 'start-failed',
  shutdown: 'shutdown-failed',
  reboot: 'reboot-failed',
  'clear-reboot-request': 'internal',
};

/**
 * Performs a plan's actions in order, stopping at the first failure, and tells each one to the
 * VNF's event log. Every libvirt call names the domain by UUID. Never decides anything: that is
 * the planner's job.
 */
export class ActionExecutor {
  constructor(
    private readonly libvirt: LibvirtPort,
    private readonly vnfs: VnfRepository,
    private readonly events: VnfEventLog,
    private readonly failpoints: Failpoints,
    private readonly hostResources: HostResourcePort,
    private readonly view: DomainStatusView = new DomainStatusView(),
    /** The events these actions will cause (the reconciler does not look again for those). */
    readonly ownEvents: OwnEvents = new OwnEvents(),
    /** Told of every action when it ends: its kind, how it ended, and the seconds it took. */
    private readonly onAction: (kind: Action['kind'], outcome: 'ok' | 'error', seconds: number) => void = () => undefined,
  ) {}

  /** `xml`: builds the definition to define (only a define asks: a start or destroy needs none). */
  async execute(target: ActionTarget, actions: readonly Action[], xml: (() => string) | null, drift: readonly string[]): Promise<Execution> {
    const told = this.events.batch(target);
    const outcome = await this.run(target, actions, xml, drift, told);
    return { ...outcome, recorded: told.flush() };
  }

  private async run(target: ActionTarget, actions: readonly Action[], xml: (() => string) | null, drift: readonly string[], told: EventBatch): Promise<Outcome> {
    let startedNow = false;
    let shutdownRequested = false;
    let shutDownAtOnce = false;
    let forgotten = false;
    for (const action of actions) {
      const started = process.hrtime.bigint();
      const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
      try {
        const offAlready = await this.perform(target, action, xml, drift, told);
        if (offAlready === true) shutDownAtOnce = true;
        this.onAction(action.kind, 'ok', seconds());
      } catch (error) {
        this.onAction(action.kind, 'error', seconds());
        const message = messageOf(error);
        if (error instanceof LibvirtConnectionError || error instanceof LibvirtTimeoutError) return { kind: 'deferred', step: action.kind, message };
        if (error instanceof VnfmError && error.code === 'resource-refused') {
          await this.events.record(target, error.code, `not ${action.kind === 'define' ? 'defined' : 'started'}: ${message}`);
          return { kind: 'failed', step: action.kind, code: error.code, message };
        }
        if (action.kind === 'define' && error instanceof LibvirtError) {
          told.record('domain-rejected', `libvirt refused the definition: ${message}`);
          return { kind: 'rejected', message };
        }
        const code = FAILURE_CODES[action.kind];
        told.record(code, message);
        return { kind: 'failed', step: action.kind, code, message };
      }
      if (action.kind === 'start') startedNow = true;
      if (action.kind === 'shutdown' && !shutDownAtOnce) shutdownRequested = true;
      if (action.kind === 'forget') forgotten = true;
    }
    return { kind: 'done', startedNow, shutdownRequested, shutDownAtOnce, forgotten };
  }

  /** Carries out one action; for a shutdown, answers whether the guest was off already right after. */
  private async perform(target: ActionTarget, action: Action, xml: (() => string) | null, drift: readonly string[], told: EventBatch): Promise<boolean | void> {
    const uuid = target.domainUuid ?? target.id;
    // A file can be swapped after the request was checked: look again before libvirt opens (and chowns) it.
    if ((action.kind === 'define' || action.kind === 'start') && target.resources) await refuseDisallowedResources(this.hostResources, target.resources);
    switch (action.kind) {
      case 'define': {
        if (xml === null) throw new Error('nothing to define');
        const definition = xml();
        this.ownEvents.expect(uuid, 'defined');
        const mark = this.view.mark();
        this.view.record(uuid, await this.libvirt.defineDomain(definition), mark);
        this.failpoints.hit('after-define');
        const autostart = Boolean(target.autostart);
        // A domain defined for the first time has autostart off: nothing to ask then.
        const current = action.why === 'missing' ? false : await this.libvirt.getAutostart(uuid);
        if (current !== autostart) await this.libvirt.setAutostart(uuid, autostart);
        const news: Record<typeof action.why, [string, string] | null> = {
          missing: ['Defined', `domain defined (generation ${target.generation})`],
          transient: ['Redefined', "the domain had been undefined behind vnfm's back; defined again"],
          updated: ['Updated', `new definition applied (generation ${target.generation})`],
          drift: ['DriftCorrected', `the definition had been changed behind vnfm's back; reverted: ${drift.join('; ')}`],
          metadata: null,
        };
        const event = news[action.why];
        if (event) told.record(event[0], event[1]);
        return;
      }
      case 'destroy':
        this.ownEvents.expect(uuid, 'stopped');
        await this.libvirt.destroyDomain(uuid);
        this.view.afterAction(uuid, 'destroy');
        this.failpoints.hit('after-destroy');
        told.record(action.why === 'restart' ? 'Restarting' : 'Destroyed', DESTROY_REASONS[action.why]);
        return;
      case 'undefine':
        this.ownEvents.expect(uuid, 'undefined');
        await this.libvirt.undefineDomain(uuid);
        this.view.afterAction(uuid, 'undefine');
        this.failpoints.hit('after-undefine');
        told.record('Undefined', 'domain undefined');
        return;
      case 'forget': {
        const claims = this.vnfs.claimsOf(target.id);
        this.failpoints.hit('before-forget');
        // Its events go with it (they were logged).
        told.discard();
        // The row, its MACs, claims and events go in one commit; the log keeps the story.
        await this.vnfs.delete(target.id);
        this.events.logOnly(target, 'Deleted', `domain gone; VNF deleted${claims.length > 0 ? `; released ${claims.map((claim) => claim.name).join(', ')}` : ''}`);
        return;
      }
      case 'release-dropped-devices': {
        const released = await this.vnfs.releaseDroppedClaims(target.id);
        if (released.length > 0) told.record('ClaimsReleased', `released ${released.join(', ')} (no longer in the spec)`);
        return;
      }
      case 'resume':
        this.ownEvents.expect(uuid, 'resumed');
        await this.libvirt.resumeDomain(uuid);
        this.view.afterAction(uuid, 'resume');
        told.record('Resumed', "the guest was paused behind vnfm's back; resumed");
        return;
      case 'start':
        this.ownEvents.expect(uuid, 'started');
        await this.libvirt.startDomain(uuid);
        this.view.afterAction(uuid, 'start');
        this.failpoints.hit('after-start');
        told.record('Started', START_REASONS[action.why]);
        return;
      case 'shutdown': {
        const mark = this.view.mark();
        await this.libvirt.shutdownDomain(uuid);
        told.record('ShutdownRequested', 'asked the guest to shut down');
        // A guest may be down already when the call returns (an idle one, the test driver): the
        // view takes libvirt's word now instead of waiting for the event (the answer to the API
        // write that asked for the stop is made from it). A failed look changes nothing.
        const now = await this.libvirt.lookupDomainByUuid(uuid).catch(() => undefined);
        if (now !== undefined) this.view.record(uuid, now, mark);
        return now === null || now?.state === 'shutoff';
      }
      case 'reboot':
        await this.libvirt.rebootDomain(uuid);
        told.record('Rebooted', 'asked the guest to reboot');
        return;
      case 'clear-reboot-request':
        return;
    }
  }
}

const DESTROY_REASONS = {
  delete: 'domain destroyed for deletion',
  restart: 'restarting the guest so it runs its new definition',
  'stop-timeout': 'the guest did not shut down in time; destroyed',
  'stop-paused': 'a paused guest cannot shut down; destroyed',
} as const;

const START_REASONS = {
  missing: 'domain started',
  stopped: 'the domain was not running; started',
  restart: 'started with its new definition',
} as const;
