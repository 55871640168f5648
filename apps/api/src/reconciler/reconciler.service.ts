import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { VNFM_CONFIG, type VnfmConfig } from '../../../../libs/config/src/index.js';
import type { HostFacts } from '../../../../libs/designer/src/index.js';
import { VnfRepository, type DeviceClaimEntity, type VnfEntity } from '../../../../libs/inventory/src/index.js';
import { LIBVIRT_PORT, LibvirtClient, LibvirtConnectionError, errorMessage, type LibvirtPort } from '../../../../libs/libvirt/src/index.js';
import { KeyedWorkQueue, planOrphan, planVnf, type ObservedDomainFacts } from '../../../../libs/reconciler/src/index.js';
import type { KeyedMutex } from '../common/keyed-mutex.js';
import { HOST_FACTS } from '../host/detect-host-facts.js';
import { VNF_LOCKS } from '../vnfs/vnf-locks.js';
import { ActionExecutor } from './action-executor.js';
import { desiredVnf, desiredXmlWithClaims } from './desired-domain.js';
import { DomainObserver } from './domain-observer.js';
import { statusAfter, type ReconcileOutcome } from './reconcile-status.js';
import { VnfEventLog } from './vnf-event-log.js';

const PASS_INTERVAL = 'vnf-reconcile';

/** Counters for /metrics. */
export interface ReconcilerStats {
  passes: number;
  failedPasses: number;
  lastPassSeconds: number | null;
  lastPassAt: number | null;
}

export interface PassReport {
  startedAt: string;
  durationMs: number;
  vnfs: ReconcileOutcome[];
  orphans: Array<{ name: string; uuid: string; vnfId: string; action: 'reported' | 'deleted' | 'none' }>;
}

/**
 * Keeps every libvirt domain equal to its VNF's stored intent. Level-triggered: each run reads
 * libvirt and the database afresh, plans (pure), then acts. Runs on a schedule, after every API
 * write for that VNF, on domain events (hints), at rechecks the plan asks for (backoff end,
 * shutdown deadline), and on POST /reconcile. One VNF is never worked on twice at once.
 */
@Injectable()
export class Reconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(Reconciler.name);
  private readonly queue = new KeyedWorkQueue((id) => this.reconcileById(id));
  private readonly unsubscribers: Array<() => void> = [];
  private readonly reportedOrphans = new Set<string>();
  private current: Promise<PassReport> | null = null;
  readonly stats: ReconcilerStats = { passes: 0, failedPasses: 0, lastPassSeconds: null, lastPassAt: null };
  private queued: Promise<PassReport> | null = null;

  constructor(
    private readonly vnfs: VnfRepository,
    private readonly observer: DomainObserver,
    private readonly executor: ActionExecutor,
    private readonly events: VnfEventLog,
    private readonly scheduler: SchedulerRegistry,
    @Inject(LIBVIRT_PORT) private readonly libvirt: LibvirtPort,
    @Inject(HOST_FACTS) private readonly host: HostFacts,
    @Inject(VNF_LOCKS) private readonly locks: KeyedMutex,
    @Inject(VNFM_CONFIG) private readonly config: VnfmConfig,
  ) {}

  onApplicationBootstrap(): void {
    const timer = setInterval(() => this.tick(), this.config.VNFM_RECONCILE_INTERVAL_MS);
    this.scheduler.addInterval(PASS_INTERVAL, timer);
    if (this.libvirt instanceof LibvirtClient) this.unsubscribers.push(this.libvirt.onConnected(() => this.tick()));
    if (this.config.VNFM_DOMAIN_EVENT_HINTS === 'on') this.unsubscribers.push(this.libvirt.onDomainEvent((event) => void this.onDomainEvent(event.name)));
    this.tick();
  }

  onApplicationShutdown(): void {
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe();
    this.queue.stop();
    if (this.scheduler.doesExist('interval', PASS_INTERVAL)) this.scheduler.deleteInterval(PASS_INTERVAL);
  }

  /** A scheduled pass; skipped while one runs (ticks coalesce) or while libvirt is away. */
  private tick(): void {
    if (this.current || !this.libvirt.isConnected()) return;
    this.requestPass().catch((error: unknown) => this.logger.warn(`reconcile pass failed: ${errorMessage(error)}`));
  }

  /** A full pass as soon as possible: the running one is waited for, then a new one runs. */
  requestPass(): Promise<PassReport> {
    if (!this.current) {
      this.current = this.runPass().then(
        (report) => {
          this.stats.passes += 1;
          this.stats.lastPassSeconds = report.durationMs / 1000;
          this.stats.lastPassAt = Date.now();
          this.current = null;
          return report;
        },
        (error: unknown) => {
          this.stats.failedPasses += 1;
          this.current = null;
          throw error;
        },
      );
      return this.current;
    }
    this.queued ??= this.current
      .catch(() => undefined)
      .then(() => {
        this.queued = null;
        return this.requestPass();
      });
    return this.queued;
  }

  /** For API writes, whose caller already holds the VNF's lock. */
  async reconcileHeld(vnf: VnfEntity): Promise<ReconcileOutcome> {
    let observed: ObservedDomainFacts | null;
    try {
      observed = await this.observer.observeOne(vnf.name);
    } catch (error) {
      return this.deferWhole(vnf, error);
    }
    return this.reconcileWith(vnf, observed, await this.vnfs.claimsOf(vnf.id), null);
  }

  private async reconcileById(id: string): Promise<void> {
    const row = await this.vnfs.findById(id);
    if (!row) return;
    await this.locks.run(row.name, async () => {
      const latest = await this.vnfs.findById(id);
      if (latest) await this.reconcileHeld(latest);
    });
  }

  private async onDomainEvent(domainName: string): Promise<void> {
    const vnf = await this.vnfs.findByName(domainName).catch(() => null);
    if (vnf) this.queue.add(vnf.id);
  }

  private async runPass(): Promise<PassReport> {
    const started = Date.now();
    if (!this.libvirt.isConnected()) throw new LibvirtConnectionError(`not connected to libvirtd at ${this.libvirt.uri}`, 'reconcile');
    const observed = await this.observer.observeAll();
    const byName = new Map(observed.map((facts) => [facts.name, facts]));
    const rows = await this.vnfs.findAll();
    const claimsByVnf = groupBy(await this.vnfs.allClaims(), (claim) => claim.vnfId);
    const batch: StatusBatch = [];
    const outcomes: ReconcileOutcome[] = [];
    for (const row of rows) {
      const outcome = await this.locks.run(row.name, async () => {
        const latest = await this.vnfs.findById(row.id);
        if (!latest) return null;
        // Changed since this pass read it (an API write reconciled it meanwhile): look again.
        if (latest.updatedAt !== row.updatedAt) return this.reconcileHeld(latest);
        return this.reconcileWith(latest, byName.get(latest.name) ?? null, claimsByVnf.get(latest.id) ?? [], batch);
      });
      if (outcome) outcomes.push(outcome);
    }
    await this.vnfs.updateManyIfUnchanged(batch);
    const orphans = await this.handleOrphans(observed, new Set(rows.map((row) => row.id)));
    return { startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, vnfs: outcomes, orphans };
  }

  private async reconcileWith(vnf: VnfEntity, observed: ObservedDomainFacts | null, claims: readonly DeviceClaimEntity[], batch: StatusBatch | null): Promise<ReconcileOutcome> {
    const xml = desiredXmlWithClaims(vnf, claims, this.host);
    const desired = await desiredVnf(vnf, claims, xml);
    const now = Date.now();
    const plan = planVnf(desired, observed, {
      now,
      shutdownTimeoutMs: this.config.VNFM_SHUTDOWN_TIMEOUT_MS,
      driverKeepsQemuCommandline: this.libvirt.keepsQemuCommandline,
    });
    if (plan.conflict) {
      if (codeOf(vnf) !== 'DomainNameTaken') await this.events.record(vnf, 'DomainNameTaken', plan.conflict);
      await this.vnfs.update(vnf.id, {
        phase: 'Failed',
        inSync: false,
        lastReconciledAt: new Date(now).toISOString(),
        lastError: JSON.stringify({ code: 'DomainNameTaken', message: plan.conflict, at: new Date(now).toISOString() }),
      });
      return { name: vnf.name, id: vnf.id, actions: [], result: 'conflict', message: plan.conflict };
    }
    const execution = plan.actions.length > 0 ? await this.executor.execute(vnf, plan.actions, xml, plan.drift) : null;
    const actions = plan.actions.map((action) => ('why' in action ? `${action.kind}:${action.why}` : action.kind));
    if (execution?.kind === 'done' && execution.forgotten) return { name: vnf.name, id: vnf.id, actions, result: 'deleted' };
    const { changes, outcome, retryInMs } = statusAfter(vnf, plan, execution, now, {
      baseMs: this.config.VNFM_START_BACKOFF_BASE_MS,
      maxMs: this.config.VNFM_START_BACKOFF_MAX_MS,
      jitter: 0.2,
    });
    if (plan.restartRequired && !vnf.restartRequired) {
      await this.events.record(vnf, 'RestartRequired', 'the new definition waits for the guest to restart (update strategy OnRestart)');
    }
    if (batch && execution === null && isRoutine(vnf, changes)) batch.push({ id: vnf.id, updatedAt: vnf.updatedAt, changes });
    else await this.vnfs.update(vnf.id, changes);
    const recheckIn = retryInMs ?? (plan.recheckAt === undefined ? undefined : plan.recheckAt - now);
    if (recheckIn !== undefined) this.queue.add(vnf.id, recheckIn);
    return { name: vnf.name, id: vnf.id, actions, ...outcome, ...(plan.drift.length > 0 ? { drift: plan.drift } : {}) };
  }

  private async deferWhole(vnf: VnfEntity, error: unknown): Promise<ReconcileOutcome> {
    const message = errorMessage(error);
    await this.vnfs.update(vnf.id, { lastError: JSON.stringify({ code: 'LibvirtUnavailable', message, at: new Date().toISOString() }) });
    return { name: vnf.name, id: vnf.id, actions: [], result: 'deferred', message };
  }

  /** Domains carrying vnfm's mark for a VNF that does not exist: reported, or removed by policy. */
  private async handleOrphans(observed: ObservedDomainFacts[], knownIds: ReadonlySet<string>): Promise<PassReport['orphans']> {
    const report: PassReport['orphans'] = [];
    for (const facts of observed) {
      const vnfId = facts.definition?.metadata?.vnfId;
      if (!vnfId || knownIds.has(vnfId) || knownIds.has(facts.uuid)) continue;
      // Looked at again: a VNF created or deleted during the pass is not an orphan.
      if ((await this.vnfs.findById(vnfId)) || (await this.vnfs.findByName(facts.name))?.id === facts.uuid) continue;
      const actions = planOrphan(this.config.VNFM_ORPHAN_POLICY, facts);
      const orphan = { id: vnfId, name: facts.name };
      if (actions.length === 0) {
        if (!this.reportedOrphans.has(facts.uuid)) {
          this.reportedOrphans.add(facts.uuid);
          await this.events.record(orphan, 'OrphanFound', `domain ${facts.name} (uuid ${facts.uuid}) carries vnfm's mark for VNF ${vnfId}, which does not exist; left alone (VNFM_ORPHAN_POLICY=report)`);
        }
        report.push({ name: facts.name, uuid: facts.uuid, vnfId, action: 'reported' });
        continue;
      }
      try {
        for (const action of actions) {
          if (action.kind === 'destroy') await this.libvirt.destroyDomain(facts.name);
          if (action.kind === 'undefine') await this.libvirt.undefineDomain(facts.name);
        }
        await this.events.record(orphan, 'OrphanDeleted', `domain ${facts.name} (uuid ${facts.uuid}) had vnfm's mark but no VNF; removed (VNFM_ORPHAN_POLICY=delete)`);
        report.push({ name: facts.name, uuid: facts.uuid, vnfId, action: 'deleted' });
      } catch (error) {
        this.logger.warn(`orphan ${facts.name}: ${errorMessage(error)}`);
        report.push({ name: facts.name, uuid: facts.uuid, vnfId, action: 'none' });
      }
    }
    return report;
  }
}

type StatusBatch = Array<{ id: string; updatedAt: string; changes: Partial<VnfEntity> }>;

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

function codeOf(vnf: VnfEntity): string | undefined {
  return vnf.lastError ? (JSON.parse(vnf.lastError) as { code?: string }).code : undefined;
}

/** Only the time stamp and "in sync" change: safe to write later, in one batch. */
function isRoutine(vnf: VnfEntity, changes: Partial<VnfEntity>): boolean {
  return (Object.keys(changes) as Array<keyof VnfEntity>).every((key) => key === 'lastReconciledAt' || key === 'inSync' || changes[key] === vnf[key]);
}
