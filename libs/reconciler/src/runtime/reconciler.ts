import { isDeepStrictEqual } from 'node:util';
import { VnfmError, messageOf, type ErrorCode } from '../../../core/src/index.js';
import type { HostFacts } from '../../../designer/src/index.js';
import { isVnfId, type Database, type VnfChanges, type VnfEventRepository, type VnfRecord, type VnfRepository } from '../../../inventory/src/index.js';
import { LibvirtConnectionError, LibvirtError, type DomainKind, type LibvirtPort, type ObservedDomain } from '../../../libvirt/src/index.js';
import type { RetryPolicy } from '../backoff.js';
import { retryDelayMs } from '../backoff.js';
import { afterBackoff, planDeletion, planOrphan, planVnf, type Action, type ObservedDomainFacts } from '../plan.js';
import { KeyedWorkQueue } from '../work-queue.js';
import { DesignCache, desiredVnf } from './desired.js';
import type { Log, VnfEventLog } from './event-log.js';
import type { ActionExecutor } from './executor.js';
import type { DomainObserver } from './observer.js';
import { mapInWindow } from './in-window.js';
import { failedStatus, lastError, statusAfter, type ReconcileOutcome } from './status.js';

export interface ReconcilerOptions {
  instanceId: string;
  host: HostFacts;
  intervalMs: number;
  shutdownTimeoutMs: number;
  orphanPolicy: 'report' | 'delete';
  retry: RetryPolicy;
  /** Look at a VNF as soon as libvirt reports an event for its domain. */
  domainEventHints: boolean;
  /** How many VNFs are reconciled at once. */
  concurrency?: number;
  log: Log;
  /** Told of every full pass when it ends: seconds taken, and whether it could run. */
  onPass?: (seconds: number, outcome: 'ok' | 'error') => void;
}

/** Counters for /metrics. */
export interface ReconcilerStats {
  passes: number;
  failedPasses: number;
  /** Reconciles of an existing VNF, whatever triggered them (pass, API write, event, recheck). */
  runs: number;
  lastPassSeconds: number | null;
  lastPassAt: number | null;
  /** Failed reconciles by error code, whatever triggered them. */
  errors: Map<ErrorCode, number>;
}

export interface OrphanReport {
  name: string;
  uuid: string;
  vnfId: string;
  action: 'reported' | 'deleted' | 'none';
  message?: string;
}

export interface PassReport {
  startedAt: string;
  durationMs: number;
  vnfs: ReconcileOutcome[];
  /** Domains with this instance's mark and no VNF. */
  orphans: OrphanReport[];
  /** Domains marked by another vnfm instance (or one without instance ids): never touched. */
  foreign: Array<{ name: string; uuid: string; vnfId: string; instanceId: string | null }>;
}

/**
 * What a full pass saw of a key, handed to its run so libvirt is not asked twice (`seenAt`: when
 * the pass listed, so the run can tell whether it is still current); what a create knows (no
 * domain); or that a domain event asked for the run (the events keep the domain's state, so only
 * its definition is read).
 */
type PassHint = { observed: ObservedDomainFacts | null; seenAt?: PassMarks } | typeof AFTER_EVENT;

/** Taken before a pass lists the domains: the run clock's reading and the status view's event mark. */
interface PassMarks {
  run: number;
  event: number;
}

const AFTER_EVENT = { afterEvent: true } as const;

const ORPHAN = 'orphan:';
const RETRY_AFTER_ERROR_MS = 5_000;
/** A pass's runs under way at once (waiting for their definitions included): enough to keep up with the reads. */
const PASS_WINDOW = 512;

/**
 * Keeps every libvirt domain equal to its VNF's stored intent, level-triggered. One path in:
 * the timer, POST /reconcile, API writes, domain events, rechecks and reconnects all put keys
 * (VNF ids, `orphan:UUID`) into one keyed queue; one `reconcile` observes, plans (pure), acts
 * through the executor and writes status. A full pass observes everything once and enqueues.
 * Every VNF fails alone: whatever one throws is recorded on it, and the others go on.
 */
export class Reconciler {
  private readonly queue: KeyedWorkQueue<ReconcileOutcome, PassHint>;
  private readonly unsubscribers: Array<() => void> = [];
  private readonly reportedOrphans = new Set<string>();
  private readonly orphanFailures = new Map<string, { failures: number; nextAttemptAt: number }>();
  /** The desired XML and its parse, by VNF id, while what it is made of stays the same. */
  private readonly designs = new DesignCache();
  private timer: NodeJS.Timeout | undefined;
  /** Ticks at every start and end of a run; `lastRun` has each key's last tick, since the last pass ended. */
  private runClock = 0;
  private readonly lastRun = new Map<string, number>();
  private current: Promise<PassReport> | null = null;
  private queued: Promise<PassReport> | null = null;
  private stopped = false;
  readonly stats: ReconcilerStats = { passes: 0, failedPasses: 0, runs: 0, lastPassSeconds: null, lastPassAt: null, errors: new Map() };

  constructor(
    private readonly vnfs: VnfRepository,
    private readonly eventStore: VnfEventRepository,
    private readonly db: Database,
    private readonly observer: DomainObserver,
    private readonly executor: ActionExecutor,
    private readonly events: VnfEventLog,
    private readonly libvirt: LibvirtPort,
    private readonly options: ReconcilerOptions,
  ) {
    this.queue = new KeyedWorkQueue<ReconcileOutcome, PassHint>((key, hint) => this.reconcile(key, hint), {
      concurrency: options.concurrency ?? 8,
      onError: (key, error) => this.runFailed(key, error),
    });
  }

  /** Keys waiting or being reconciled. */
  get queueDepth(): number {
    return this.queue.pending;
  }

  start(onConnected?: (listener: () => void) => () => void): void {
    this.timer = setInterval(() => this.tick(), this.options.intervalMs);
    this.timer.unref();
    if (onConnected) {
      this.unsubscribers.push(
        onConnected(() => {
          // Events may have been missed while disconnected: the view is rebuilt by a pass (queued
          // behind one that runs: what that one listed before the gap is older than the clear, so
          // its runs look again, see stillCurrent).
          this.observer.view.clear();
          this.passIfReady();
        }),
      );
    }
    this.unsubscribers.push(
      this.libvirt.onDomainEvent((event) => {
        this.observer.view.applyEvent(event);
        // An event vnfm's own action caused needs no second look; any other one does.
        if (this.options.domainEventHints && !this.executor.ownEvents.consume(event.uuid, event.what)) this.queue.add(event.uuid, 0, AFTER_EVENT);
      }),
    );
    this.tick();
  }

  /**
   * Nothing new starts (timer, events, reconnects, queued keys), and nobody waits for a reconcile
   * any more (an API write answers with its committed intent; the next start reconciles it).
   * The runs in progress go on: see `settled`.
   */
  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe();
    this.queue.stop();
  }

  /**
   * Resolves once the runs in progress have ended, or after `graceMs` (a run waiting on a
   * stalled libvirtd), so they can record what they did before libvirt and the database close.
   */
  async settled(graceMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.queue.settled(), new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
  }

  /**
   * Reconciles one VNF now and answers what that run did (API writes wait for this).
   * `knownAbsent`: the caller has just made sure libvirt has no domain for it (a create), so the
   * run does not ask again; a domain that appeared meanwhile makes libvirt refuse the define.
   */
  reconcileNow(id: string, options: { knownAbsent?: boolean } = {}): Promise<ReconcileOutcome> {
    return this.queue.run(id, options.knownAbsent ? { observed: null } : undefined);
  }

  /** What is kept in memory between passes: designs (one per VNF) and parses of domain definitions (one per domain read). */
  get cached(): { designs: number; parses: number } {
    return { designs: this.designs.size, parses: this.observer.parsedCount };
  }

  /** The VNF's domain as vnfm last knew it (from passes, events and its own actions); libvirt is asked only when that is unknown. */
  domainOf(id: string, where?: DomainKind): Promise<ObservedDomain | null> {
    return this.observer.domainOf(id, where);
  }

  /** Changes whenever a knownDomainOf answer may have. */
  get statusVersion(): number {
    return this.observer.view.version;
  }

  /** domainOf's answer when vnfm knows it without asking libvirt; undefined when it does not. */
  knownDomainOf(id: string): ObservedDomain | null | undefined {
    return this.observer.view.get(id);
  }

  /** A full pass as soon as possible: the running one is waited for, then a new one runs. */
  requestPass(): Promise<PassReport> {
    if (!this.current) {
      const started = Date.now();
      this.current = this.runPass().then(
        (report) => {
          this.options.onPass?.(report.durationMs / 1000, 'ok');
          this.stats.passes += 1;
          this.stats.lastPassSeconds = report.durationMs / 1000;
          this.stats.lastPassAt = Date.now();
          this.current = null;
          return report;
        },
        (error: unknown) => {
          this.options.onPass?.((Date.now() - started) / 1000, 'error');
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

  /** A scheduled pass; skipped while one runs. */
  private tick(): void {
    if (!this.current) this.passIfReady();
  }

  /** A pass (after the one running, if any); none while libvirt is away or the database refuses writes. */
  private passIfReady(): void {
    if (!this.libvirt.isConnected() || !this.db.health.writable) return;
    this.requestPass().catch((error: unknown) => this.options.log('warn', `reconcile pass failed: ${messageOf(error)}`));
  }

  private async runPass(): Promise<PassReport> {
    const started = Date.now();
    this.refuseUnready();
    const runMark = ++this.runClock;
    try {
      const observation = await this.observer.observeAvailable();
      const { complete } = observation;
      const seenAt: PassMarks = { run: runMark, event: observation.mark };
      const byName = new Map(observation.domains.map((domain) => [domain.name, domain]));
      const byUuid = new Map(observation.domains.map((domain) => [domain.uuid, domain]));
      const rows = this.vnfs.identities();
      // Not in an incomplete list: maybe on the connection that is away; the run looks it up itself (and defers).
      // A listed domain: the run starts once its definition is read (the rest are read meanwhile).
      const seenOf = (row: { id: string; name: string }) => byUuid.get(row.id) ?? byName.get(row.name);
      const hintFor = async (row: { id: string; name: string }): Promise<PassHint | undefined> => {
        const seen = seenOf(row);
        if (seen) {
          // Unread (its connection went away after the list): the run looks it up itself (and defers).
          const observed = await observation.factsOf(seen.uuid);
          return observed === 'unread' ? undefined : { observed, seenAt };
        }
        return complete ? { observed: null, seenAt } : undefined;
      };
      // The runs with nothing to wait for first, then in the order the definitions are read.
      const position = new Map(observation.domains.map((domain, index) => [domain.uuid, index]));
      const readAt = rows.map((row) => position.get(seenOf(row)?.uuid ?? '') ?? -1);
      const order = rows.map((_row, index) => index).sort((a, b) => readAt[a]! - readAt[b]!);
      const vnfs = await mapInWindow(rows, order, PASS_WINDOW, (row) =>
        hintFor(row)
          .then((hint) => this.queue.run(row.id, hint))
          .then((outcome) => (outcome.result === 'gone' ? { ...outcome, name: row.name } : outcome))
          .catch((error: unknown) => failedOutcome(row, error)),
      );
      // Stopping cut the runs short: no report of runs that were never made (the next start reconciles).
      this.refuseStopped();
      // A read that failed fails the pass (the runs whose definitions came before it are done).
      const observed = await observation.all();
      const known = new Set(rows.map((row) => row.id));
      const damaged = rows.filter((row) => !isVnfId(row.id));
      const claimedByName = new Set(damaged.map((row) => row.name));
      const claimedButForCase = new Set(damaged.map((row) => row.id.toLowerCase()));
      this.designs.retain(known);
      const orphans: OrphanReport[] = [];
      const foreign: PassReport['foreign'] = [];
      const orphanRuns: Array<Promise<void>> = [];
      for (const facts of observed) {
        const metadata = facts.definition?.metadata;
        // Ours are exactly the domains whose UUID is a VNF's id (or, for a VNF whose stored id is
        // damaged, whose name is its name or whose UUID is its id but for case); a copy under
        // another UUID is an orphan.
        if (!metadata || known.has(facts.uuid) || claimedByName.has(facts.name) || claimedButForCase.has(facts.uuid)) continue;
        if (metadata.instanceId !== this.options.instanceId) {
          foreign.push({ name: facts.name, uuid: facts.uuid, vnfId: metadata.vnfId, instanceId: metadata.instanceId });
          continue;
        }
        orphanRuns.push(
          this.queue.run(`${ORPHAN}${facts.uuid}`, { observed: facts, seenAt }).then(
            (outcome) => {
              if (outcome.result !== 'gone') orphans.push(orphanReport(facts, metadata.vnfId, outcome));
            },
            (error: unknown) => {
              orphans.push({ name: facts.name, uuid: facts.uuid, vnfId: metadata.vnfId, action: 'none', message: messageOf(error) });
            },
          ),
        );
      }
      await Promise.all(orphanRuns);
      // Events of deleted VNFs and of orphans that are gone (every listed domain stays: one whose
      // definition went unread may be an orphan whose events must outlive this pass).
      const keep = new Set([...known, ...observation.domains.map((domain) => domain.uuid)]);
      await this.eventStore.pruneAllBut(keep).catch((error: unknown) => this.options.log('warn', `event pruning failed: ${messageOf(error)}`));
      return { startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, vnfs, orphans, foreign };
    } finally {
      // Every run of this pass is done (or none started), and the next pass's marks come after every tick so far.
      this.lastRun.clear();
    }
  }

  private refuseStopped(): void {
    if (this.stopped) throw new VnfmError('shutting-down', 'vnfm is shutting down: no reconcile pass (the next start makes one)');
  }

  private refuseUnready(): void {
    this.refuseStopped();
    if (!this.libvirt.isConnected()) throw new LibvirtConnectionError(`not connected to libvirtd at ${this.libvirt.uri}`, 'reconcile');
    if (!this.db.health.writable) throw new VnfmError('database-unavailable', `the database refuses writes: ${this.db.health.reason}`);
  }

  // ---- one key -------------------------------------------------------------------------------

  private async reconcile(key: string, hint: PassHint | undefined): Promise<ReconcileOutcome> {
    const current = this.stillCurrent(key, hint) ? hint : AFTER_EVENT;
    this.lastRun.set(key, ++this.runClock);
    try {
      if (key.startsWith(ORPHAN)) return await this.reconcileOrphan(key.slice(ORPHAN.length), current);
      return await this.reconcileVnf(key, current);
    } finally {
      this.lastRun.set(key, ++this.runClock);
    }
  }

  /**
   * A pass's facts are older than the run they wait for when another run of the key went on after
   * the pass listed (an API write's, an event's: it may have acted since), or libvirt reported an
   * event for the domain since (or the connection came back since: events may have been missed,
   * the view says so): the run then looks again (the domain's state as the events left
   * it, its definition read afresh) instead.
   */
  private stillCurrent(key: string, hint: PassHint | undefined): boolean {
    if (hint === undefined || !('observed' in hint) || hint.seenAt === undefined) return true;
    const { run, event } = hint.seenAt;
    if ((this.lastRun.get(key) ?? 0) > run) return false;
    const uuid = key.startsWith(ORPHAN) ? key.slice(ORPHAN.length) : key;
    const view = this.observer.view;
    return !view.hadEventSince(uuid, event) && !(hint.observed !== null && view.hadEventSince(hint.observed.uuid, event));
  }

  private async reconcileVnf(id: string, hint: PassHint | undefined): Promise<ReconcileOutcome> {
    // No libvirt side effect while the database cannot record what was done.
    if (!this.db.health.writable) throw new VnfmError('database-unavailable', `the database refuses writes: ${this.db.health.reason}`);
    const vnf = this.vnfs.findById(id);
    if (!vnf) return { id, name: '', actions: [], result: 'gone' };
    this.stats.runs += 1;
    const now = Date.now();
    let observed: ObservedDomainFacts | null;
    try {
      observed =
        hint === undefined
          ? await this.observer.observeOne(vnf.id, vnf.name, vnf.spec?.kind)
          : 'observed' in hint
            ? hint.observed
            : await this.observer.observeAfterEvent(vnf.id, vnf.name, vnf.spec?.kind);
    } catch (error) {
      if (!(error instanceof LibvirtError)) throw error;
      if (vnf.lastError?.code !== 'libvirt-unavailable') await this.vnfs.updateIfUnchanged(id, vnf.updatedAt, { lastError: lastError('libvirt-unavailable', messageOf(error), now) });
      return { id, name: vnf.name, actions: [], result: 'deferred', code: 'libvirt-unavailable', message: messageOf(error) };
    }
    if (vnf.pendingOperation === 'delete') return this.reconcileDeletion(vnf, observed, now);
    if (!vnf.spec) return this.markFailed(vnf, 'spec-unreadable', vnf.specProblem ?? 'the stored spec cannot be read', now);
    let designed: Awaited<ReturnType<typeof desiredVnf>>;
    try {
      designed = await desiredVnf(vnf, vnf.spec, this.vnfs.claimsOf(id), this.options.host, this.options.instanceId, this.designs);
    } catch (error) {
      return this.markFailed(vnf, 'design-failed', `vnfm cannot build this VNF's domain: ${messageOf(error)}`, now);
    }
    const plan = planVnf(designed.desired, observed, {
      now,
      shutdownTimeoutMs: this.options.shutdownTimeoutMs,
      driverKeepsQemuCommandline: this.libvirt.keepsQemuCommandline,
    });
    if (plan.conflict) return this.markFailed(vnf, 'domain-name-taken', plan.conflict, now, 'conflict');
    if (plan.renamed) return this.markFailed(vnf, 'domain-renamed', plan.renamed, now, 'conflict', plan.drift);
    if (observed?.definition && observed.uuid === id) this.observer.shareDefinition(id, observed.definition, designed.desired.definition);
    const target = { id, name: vnf.name, generation: vnf.generation, autostart: Boolean(vnf.spec.autostart), resources: vnf.spec };
    const execution = plan.actions.length > 0 ? await this.executor.execute(target, plan.actions, () => designed.xml(), plan.drift) : null;
    const actions = describe(plan.actions);
    if (execution?.kind === 'done' && execution.forgotten) {
      await execution.recorded;
      return { id, name: vnf.name, actions, result: 'deleted' };
    }
    const { changes, outcome, retryInMs } = statusAfter(vnf, vnf.spec.powerState, plan, execution, now, this.options.retry);
    const restartRequired =
      plan.restartRequired && !vnf.restartRequired ? this.events.record(vnf, 'RestartRequired', 'the new definition waits for the guest to restart (update strategy OnRestart)') : undefined;
    // Queued together: the events and the status share one commit.
    await Promise.all([execution?.recorded, restartRequired, this.writeStatus(vnf, changes)]);
    const recheckIn = retryInMs ?? (plan.recheckAt === undefined ? undefined : plan.recheckAt - now);
    if (recheckIn !== undefined && Number.isFinite(recheckIn)) this.queue.add(id, recheckIn);
    const report: ReconcileOutcome = { id, name: vnf.name, actions, result: outcome.result };
    if (outcome.code !== undefined) report.code = outcome.code;
    if (outcome.message !== undefined) report.message = outcome.message;
    if (plan.drift.length > 0) report.drift = plan.drift;
    return report;
  }

  /** Destroy and undefine by UUID, then forget; needs nothing of the spec, so a damaged row can go too. */
  private async reconcileDeletion(vnf: VnfRecord, observed: ObservedDomainFacts | null, now: number): Promise<ReconcileOutcome> {
    // A row whose stored id is damaged may still name its domain but for case, unless another VNF has that id.
    const idDamaged = !isVnfId(vnf.id) && observed !== null && this.vnfs.findById(observed.uuid) === null;
    const plan = afterBackoff(planDeletion(vnf.id, this.options.instanceId, observed, idDamaged), vnf.nextAttemptAt, now);
    const actions = describe(plan.actions);
    if (plan.actions.length === 0) {
      if (plan.recheckAt !== undefined) this.queue.add(vnf.id, plan.recheckAt - now);
      return { id: vnf.id, name: vnf.name, actions, result: 'waiting' };
    }
    // Only a domain the plan took for this VNF's is acted on, so its UUID is the one to name.
    const execution = await this.executor.execute({ id: vnf.id, name: vnf.name, domainUuid: observed?.uuid }, plan.actions, null, []);
    if (execution.kind === 'done') {
      this.designs.forget(vnf.id);
      if (observed !== null && plan.actions.some((action) => action.kind === 'undefine')) this.observer.forget(observed.uuid);
      await execution.recorded;
      return { id: vnf.id, name: vnf.name, actions, result: 'deleted' };
    }
    const { changes, outcome, retryInMs } = statusAfter(vnf, 'stopped', plan, execution, now, this.options.retry);
    await Promise.all([execution.recorded, this.writeStatus(vnf, changes)]);
    if (retryInMs !== undefined) this.queue.add(vnf.id, retryInMs);
    return { id: vnf.id, name: vnf.name, actions, ...outcome };
  }

  /** This VNF cannot be worked on: Failed with a typed error (and one event per new error); the rest goes on. */
  private async markFailed(
    vnf: VnfRecord,
    code: ErrorCode,
    message: string,
    now: number,
    result: ReconcileOutcome['result'] = 'failed',
    drift: string[] = [],
  ): Promise<ReconcileOutcome> {
    if (vnf.lastError?.code !== code) await this.events.record(vnf, code, message);
    this.count(code);
    await this.writeStatus(vnf, { ...failedStatus(vnf, code, message, now), drift });
    return { id: vnf.id, name: vnf.name, actions: [], result, code, message };
  }

  /**
   * Unless an API write came in meanwhile: then it is not overwritten, and the VNF is looked at
   * again. A status that only moves `lastReconciledAt` is written at most every
   * STATUS_REFRESH_MS, so in-sync passes do not grow the journal without end.
   */
  private async writeStatus(vnf: VnfRecord, changes: VnfChanges): Promise<void> {
    if (onlyTimestampMoves(vnf, changes)) return;
    if (!(await this.vnfs.updateIfUnchanged(vnf.id, vnf.updatedAt, changes))) this.queue.add(vnf.id);
  }

  private async reconcileOrphan(uuid: string, hint: PassHint | undefined): Promise<ReconcileOutcome> {
    const facts = hint && 'observed' in hint ? hint.observed : undefined;
    const vnfId = facts?.definition?.metadata?.vnfId;
    if (!facts || !vnfId) return { id: uuid, name: '', actions: [], result: 'gone' };
    // Looked at again: a VNF created or deleted meanwhile is not an orphan, nor the domain that a
    // VNF whose stored id is damaged claims by its name or by its id but for case.
    const named = this.vnfs.findByName(facts.name);
    if (this.vnfs.findById(uuid) || (named !== null && !isVnfId(named.id)) || this.vnfs.findByIdButForCase(uuid)) return { id: uuid, name: facts.name, actions: [], result: 'gone' };
    const target = { id: uuid, name: facts.name };
    const actions = planOrphan(this.options.orphanPolicy, facts);
    if (actions.length === 0) {
      if (!this.reportedOrphans.has(uuid)) {
        this.reportedOrphans.add(uuid);
        await this.events.record(target, 'OrphanFound', `domain ${facts.name} (uuid ${uuid}) carries this vnfm's mark for VNF ${vnfId}, which does not exist; left alone (VNFM_ORPHAN_POLICY=report)`);
      }
      return { id: uuid, name: facts.name, actions: [], result: 'waiting' };
    }
    const backoff = this.orphanFailures.get(uuid);
    if (backoff && backoff.nextAttemptAt > Date.now()) return { id: uuid, name: facts.name, actions: [], result: 'waiting', message: 'backing off after a failure' };
    const execution = await this.executor.execute(target, actions, null, []);
    await execution.recorded;
    if (execution.kind === 'done') {
      this.orphanFailures.delete(uuid);
      this.reportedOrphans.delete(uuid);
      this.observer.forget(uuid);
      await this.events.record(target, 'OrphanDeleted', `domain ${facts.name} (uuid ${uuid}) had this vnfm's mark but no VNF; removed (VNFM_ORPHAN_POLICY=delete)`);
      return { id: uuid, name: facts.name, actions: describe(actions), result: 'deleted' };
    }
    const failures = (backoff?.failures ?? 0) + 1;
    this.orphanFailures.set(uuid, { failures, nextAttemptAt: Date.now() + retryDelayMs(failures, this.options.retry) });
    return { id: uuid, name: facts.name, actions: describe(actions), result: 'failed', message: execution.message };
  }

  /** A run that threw: logged with its VNF, counted, looked at again later. Never swallowed. */
  private runFailed(key: string, error: unknown): void {
    const code = errorCodeOf(error);
    this.count(code);
    const name = key.startsWith(ORPHAN) ? key : (this.safeName(key) ?? key);
    this.options.log(code === 'internal' ? 'error' : 'warn', `reconcile of ${name} failed (${code}): ${error instanceof Error && code === 'internal' ? (error.stack ?? error.message) : messageOf(error)}`, key.startsWith(ORPHAN) ? {} : { vnf: name });
    this.queue.add(key, RETRY_AFTER_ERROR_MS);
  }

  private safeName(id: string): string | undefined {
    try {
      return this.vnfs.findById(id)?.name;
    } catch {
      return undefined;
    }
  }

  private count(code: ErrorCode): void {
    this.stats.errors.set(code, (this.stats.errors.get(code) ?? 0) + 1);
  }
}

const STATUS_REFRESH_MS = 5 * 60_000;

/** Nothing but the time stamp would change, and the stored one is recent enough. */
function onlyTimestampMoves(vnf: VnfRecord, changes: VnfChanges): boolean {
  const last = vnf.lastReconciledAt === null ? Number.NaN : Date.parse(vnf.lastReconciledAt);
  if (!(Date.now() - last < STATUS_REFRESH_MS)) return false;
  for (const key in changes) {
    if (key !== 'lastReconciledAt' && !isDeepStrictEqual(changes[key as keyof VnfChanges], vnf[key as keyof VnfRecord])) return false;
  }
  return true;
}

/** The code any thrown error counts under. */
function errorCodeOf(error: unknown): ErrorCode {
  return error instanceof VnfmError ? error.code : error instanceof LibvirtError ? 'libvirt-unavailable' : 'internal';
}

function describe(actions: readonly Action[]): string[] {
  return actions.map((action) => ('why' in action ? `${action.kind}:${action.why}` : action.kind));
}

function failedOutcome(row: { id: string; name: string }, error: unknown): ReconcileOutcome {
  const code = errorCodeOf(error);
  return { id: row.id, name: row.name, actions: [], result: 'failed', code, message: messageOf(error) };
}

function orphanReport(facts: ObservedDomainFacts, vnfId: string, outcome: ReconcileOutcome): OrphanReport {
  const action = outcome.result === 'deleted' ? 'deleted' : outcome.result === 'waiting' && outcome.message === undefined ? 'reported' : 'none';
  return { name: facts.name, uuid: facts.uuid, vnfId, action, ...(outcome.message ? { message: outcome.message } : {}) };
}

