import { Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { VNFM_CONFIG, type VnfmConfig } from '../../../../libs/config/src/index.js';
import type { HostFacts } from '../../../../libs/designer/src/index.js';
import { Database, VnfEventRepository, VnfRepository } from '../../../../libs/inventory/src/index.js';
import { HOST_RESOURCES, type HostResourcePort } from '../../../../libs/host-resources/src/index.js';
import { CompositeLibvirt, LIBVIRT_PORT, LibvirtClient, type LibvirtPort } from '../../../../libs/libvirt/src/index.js';
import { ActionExecutor, DomainObserver, DomainStatusView, Failpoints, OwnEvents, Reconciler, VnfEventLog } from '../../../../libs/reconciler/src/index.js';
import { HOST_FACTS } from '../host/detect-host-facts.js';
import { INSTANCE_ID } from './storage.provider.js';
import { VnfmMetrics } from '../metrics/vnfm-metrics.js';

/**
 * How long stopping waits for the reconciles in progress to record what they did (a run stuck on
 * a stalled libvirtd is left to the process's end; main.ts's deadline is 20 s in all).
 */
const STOP_GRACE_MS = 5_000;

/**
 * Started once the application is up. Stopped before the HTTP server closes, so no request in
 * flight waits on a reconcile (one stuck on a stalled libvirtd held the close until the deadline);
 * its runs in progress get STOP_GRACE_MS before libvirt and the database close (Nest shuts a
 * provider down before the providers it depends on).
 */
class ManagedReconciler extends Reconciler implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private onConnected: ((listener: () => void) => () => void) | undefined;

  withConnectionHook(hook: ((listener: () => void) => () => void) | undefined): this {
    this.onConnected = hook;
    return this;
  }

  onApplicationBootstrap(): void {
    this.start(this.onConnected);
  }

  beforeApplicationShutdown(): void {
    this.stop();
  }

  onApplicationShutdown(): Promise<void> {
    return this.settled(STOP_GRACE_MS);
  }
}

export const reconcilerProviders: Provider[] = [
  { provide: Failpoints, inject: [VNFM_CONFIG], useFactory: (config: VnfmConfig) => new Failpoints(config.VNFM_FAILPOINT) },
  {
    provide: Reconciler,
    inject: [VNFM_CONFIG, VnfRepository, VnfEventRepository, Database, LIBVIRT_PORT, HOST_FACTS, INSTANCE_ID, Failpoints, HOST_RESOURCES, VnfmMetrics],
    useFactory: (config: VnfmConfig, vnfs: VnfRepository, eventStore: VnfEventRepository, db: Database, libvirt: LibvirtPort, host: HostFacts, instanceId: string, failpoints: Failpoints, hostResources: HostResourcePort, metrics: VnfmMetrics) => {
      const logger = new Logger('Reconciler');
      const log = (level: 'log' | 'warn' | 'error', message: string, fields: { vnf?: string } = {}) => logger[level](fields.vnf === undefined ? message : { msg: message, vnf: fields.vnf });
      const eventLogger = new Logger('VnfEvents');
      const events = new VnfEventLog(eventStore, (level, message, fields = {}) => eventLogger[level](fields.vnf === undefined ? message : { msg: message, vnf: fields.vnf }));
      const onAction = (kind: string, outcome: 'ok' | 'error', seconds: number) => metrics.actionSeconds.observe({ kind, outcome }, seconds);
      const observer = new DomainObserver(libvirt, new DomainStatusView());
      const executor = new ActionExecutor(libvirt, vnfs, events, failpoints, hostResources, observer.view, new OwnEvents(), onAction);
      return new ManagedReconciler(vnfs, eventStore, db, observer, executor, events, libvirt, {
        instanceId,
        host,
        intervalMs: config.VNFM_RECONCILE_INTERVAL_MS,
        shutdownTimeoutMs: config.VNFM_SHUTDOWN_TIMEOUT_MS,
        orphanPolicy: config.VNFM_ORPHAN_POLICY,
        retry: { baseMs: config.VNFM_START_BACKOFF_BASE_MS, maxMs: config.VNFM_START_BACKOFF_MAX_MS, jitter: 0.2 },
        domainEventHints: config.VNFM_DOMAIN_EVENT_HINTS === 'on',
        log,
        onPass: (seconds, outcome) => metrics.reconcilePassSeconds.observe({ outcome }, seconds),
      }).withConnectionHook(libvirt instanceof LibvirtClient || libvirt instanceof CompositeLibvirt ? (listener) => libvirt.onConnected(listener) : undefined);
    },
  },
];
