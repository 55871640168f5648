import { Inject, Injectable } from '@nestjs/common';
import type { VnfEntity } from '../../../../libs/inventory/src/index.js';
import { VnfRepository } from '../../../../libs/inventory/src/index.js';
import {
  LIBVIRT_PORT,
  LibvirtConnectionError,
  LibvirtError,
  LibvirtTimeoutError,
  errorMessage,
  type LibvirtPort,
} from '../../../../libs/libvirt/src/index.js';
import type { Action } from '../../../../libs/reconciler/src/index.js';
import { specOf } from '../vnfs/vnf-record.js';
import { FAILPOINTS, type Failpoints } from './failpoints.js';
import { capitalise } from './reconcile-status.js';
import { VnfEventLog } from './vnf-event-log.js';

/** How executing a plan ended. */
export type Execution =
  | { kind: 'done'; startedNow: boolean; shutdownRequested: boolean; forgotten: boolean }
  /** libvirt refused the definition itself. */
  | { kind: 'rejected'; message: string }
  /** A libvirt operation failed (the step says which). */
  | { kind: 'failed'; step: Action['kind']; message: string; libvirtCode?: string }
  /** libvirt unreachable: try again later, nothing is wrong with the VNF. */
  | { kind: 'deferred'; step: Action['kind']; message: string };

/**
 * Performs a plan's actions in order through libvirt, stopping at the first failure, and tells
 * each one to the VNF's event log. Never decides anything: that is the planner's job.
 */
@Injectable()
export class ActionExecutor {
  constructor(
    @Inject(LIBVIRT_PORT) private readonly libvirt: LibvirtPort,
    private readonly vnfs: VnfRepository,
    private readonly events: VnfEventLog,
    @Inject(FAILPOINTS) private readonly failpoints: Failpoints,
  ) {}

  async execute(vnf: VnfEntity, actions: readonly Action[], xml: string, drift: readonly string[]): Promise<Execution> {
    let startedNow = false;
    let shutdownRequested = false;
    let forgotten = false;
    for (const action of actions) {
      try {
        await this.perform(vnf, action, xml, drift);
      } catch (error) {
        const message = errorMessage(error);
        if (error instanceof LibvirtConnectionError || error instanceof LibvirtTimeoutError) return { kind: 'deferred', step: action.kind, message };
        if (action.kind === 'define' && error instanceof LibvirtError) {
          await this.events.record(vnf, 'DefineRejected', `libvirt refused the definition: ${message}`);
          return { kind: 'rejected', message };
        }
        await this.events.record(vnf, action.kind === 'start' ? 'StartFailed' : `${capitalise(action.kind)}Failed`, message);
        return { kind: 'failed', step: action.kind, message, ...(error instanceof LibvirtError && error.libvirtCode ? { libvirtCode: error.libvirtCode } : {}) };
      }
      if (action.kind === 'start') startedNow = true;
      if (action.kind === 'shutdown') shutdownRequested = true;
      if (action.kind === 'forget') forgotten = true;
    }
    return { kind: 'done', startedNow, shutdownRequested, forgotten };
  }

  private async perform(vnf: VnfEntity, action: Action, xml: string, drift: readonly string[]): Promise<void> {
    const name = vnf.name;
    switch (action.kind) {
      case 'define': {
        await this.libvirt.defineDomain(xml);
        this.failpoints.hit('after-define');
        const autostart = Boolean(specOf(vnf).autostart);
        if ((await this.libvirt.getAutostart(name)) !== autostart) await this.libvirt.setAutostart(name, autostart);
        const told: Record<typeof action.why, [string, string] | null> = {
          missing: ['Defined', `domain defined (generation ${vnf.generation})`],
          transient: ['Redefined', 'the domain had been undefined behind vnfm\'s back; defined again'],
          updated: ['Updated', `new definition applied (generation ${vnf.generation})`],
          drift: ['DriftCorrected', `the definition had been changed behind vnfm's back; reverted: ${drift.join('; ')}`],
          metadata: null,
        };
        const event = told[action.why];
        if (event) await this.events.record(vnf, event[0], event[1]);
        return;
      }
      case 'destroy':
        await this.libvirt.destroyDomain(name);
        this.failpoints.hit('after-destroy');
        await this.events.record(vnf, action.why === 'restart' ? 'Restarting' : 'Destroyed', DESTROY_REASONS[action.why]);
        return;
      case 'undefine':
        await this.libvirt.undefineDomain(name);
        this.failpoints.hit('after-undefine');
        await this.events.record(vnf, 'Undefined', 'domain undefined');
        return;
      case 'forget': {
        const claims = await this.vnfs.claimsOf(vnf.id);
        this.failpoints.hit('before-forget');
        await this.vnfs.delete(vnf.id);
        if (claims.length > 0) await this.events.record(vnf, 'ClaimsReleased', `released ${claims.map((claim) => claim.name).join(', ')}`);
        await this.events.record(vnf, 'Deleted', 'domain gone; VNF deleted');
        return;
      }
      case 'release-dropped-devices': {
        const released = await this.vnfs.releaseDroppedClaims(vnf.id);
        if (released.length > 0) await this.events.record(vnf, 'ClaimsReleased', `released ${released.join(', ')} (no longer in the spec)`);
        return;
      }
      case 'resume':
        await this.libvirt.resumeDomain(name);
        await this.events.record(vnf, 'Resumed', 'the guest was paused behind vnfm\'s back; resumed');
        return;
      case 'start':
        await this.libvirt.startDomain(name);
        this.failpoints.hit('after-start');
        await this.events.record(vnf, 'Started', START_REASONS[action.why]);
        return;
      case 'shutdown':
        await this.libvirt.shutdownDomain(name);
        await this.events.record(vnf, 'ShutdownRequested', 'asked the guest to shut down');
        return;
      case 'reboot':
        await this.libvirt.rebootDomain(name);
        await this.events.record(vnf, 'Rebooted', 'asked the guest to reboot');
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
