import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { VnfmConfig } from '../../../../libs/config/src/index.js';
import { VNFM_CONFIG } from '../../../../libs/config/src/index.js';
import { VnfRepository } from '../../../../libs/inventory/src/index.js';
import { LIBVIRT_PORT, LibvirtClient, errorMessage, type LibvirtPort } from '../../../../libs/libvirt/src/index.js';
import type { KeyedMutex } from '../common/keyed-mutex.js';
import { VnfConverger } from './vnf-converger.js';
import { VNF_LOCKS } from './vnfs.service.js';

const SWEEP_INTERVAL = 'vnf-sweep';
const EVENT_SETTLE_MS = 500;

/**
 * Applies stored intent on a fixed interval and whenever libvirt (re)connects: finishes
 * deletes and converges every VNF whose domain differs from what was asked for.
 */
@Injectable()
export class VnfSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(VnfSweeper.name);
  private running: Promise<void> | null = null;
  private readonly unsubscribers: Array<() => void> = [];
  private eventTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly vnfs: VnfRepository,
    private readonly converger: VnfConverger,
    private readonly scheduler: SchedulerRegistry,
    @Inject(LIBVIRT_PORT) private readonly libvirt: LibvirtPort,
    @Inject(VNF_LOCKS) private readonly locks: KeyedMutex,
    @Inject(VNFM_CONFIG) private readonly config: VnfmConfig,
  ) {}

  onApplicationBootstrap(): void {
    const timer = setInterval(() => void this.sweep(), this.config.VNFM_RECONCILE_INTERVAL_MS);
    this.scheduler.addInterval(SWEEP_INTERVAL, timer);
    if (this.libvirt instanceof LibvirtClient) this.unsubscribers.push(this.libvirt.onConnected(() => void this.sweep()));
    // A domain event is a hint to look again soon (events can be lost; the interval stays the truth).
    this.unsubscribers.push(this.libvirt.onDomainEvent(() => this.sweepSoon()));
    void this.sweep();
  }

  onApplicationShutdown(): void {
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe();
    clearTimeout(this.eventTimer);
    if (this.scheduler.doesExist('interval', SWEEP_INTERVAL)) this.scheduler.deleteInterval(SWEEP_INTERVAL);
  }

  /** Coalesces a burst of events into one pass, shortly after the last. */
  private sweepSoon(): void {
    clearTimeout(this.eventTimer);
    this.eventTimer = setTimeout(() => void this.sweep(), EVENT_SETTLE_MS);
    this.eventTimer.unref();
  }

  /** One pass over every VNF; overlapping triggers share the pass in progress. */
  sweep(): Promise<void> {
    this.running ??= this.pass().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async pass(): Promise<void> {
    if (!this.libvirt.isConnected()) return;
    try {
      for (const vnf of await this.vnfs.findAll()) {
        await this.locks.run(vnf.name, async () => {
          const latest = await this.vnfs.findById(vnf.id);
          if (!latest) return;
          if (latest.pendingOperation === 'delete') await this.converger.finishDelete(latest);
          else await this.converger.converge(latest);
        });
      }
    } catch (error) {
      this.logger.warn(`sweep failed: ${errorMessage(error)}`);
    }
  }
}
