import { randomUUID } from 'node:crypto';
import { VnfmError, messageOf } from '../../core/src/index.js';
import type { HostFacts } from '../../designer/src/index.js';
import type { Allocation, DeviceAllowList } from '../../host-devices/src/index.js';
import { refuseDisallowedResources, type HostResourcePort } from '../../host-resources/src/index.js';
import { isVnfId, keyReused, type DeviceClaim, type DeviceState, type IdempotencyClaim, type IdempotencyKeys, type NewVnf, type VnfChanges, type VnfEventRepository, type VnfPhase, type VnfRecord, type VnfRepository } from '../../inventory/src/index.js';
import { ConsoleBusyError, DomainNotFoundError, DomainNotRunningError, LibvirtConnectionError, LibvirtError, LibvirtTimeoutError, type ConsoleOutput, type DomainConsole, type LibvirtPort, type ObservedDomain } from '../../libvirt/src/index.js';
import { allocatedDevices, desiredXml, type Failpoints, type ReconcileOutcome, type Reconciler } from '../../reconciler/src/index.js';
import { canonicalJson, makeVnfSpecSchema, validateBody, type VnfRequest, type VnfSpec } from '../../vnf/src/index.js';
import { createHash } from 'node:crypto';
import { draftDomain, draftSpec, needsDevices, NO_DEVICES, type DraftContext, type SpecDraft } from './draft.js';
import { requireMatch, type IfMatch } from './etag.js';
import { KeyedMutex } from './keyed-mutex.js';
import { decodeCursor, encodeCursor } from './page-cursor.js';
import { vnfView, type VnfView } from './vnf-view.js';

/** What `POST /vnfs?dryRun=true` answers: what would be stored, defined and claimed. */
export interface DryRunResult {
  dryRun: true;
  spec: VnfSpec;
  domainXml: string;
  /** Host devices the VNF would take. */
  devices: Allocation[];
}

export type LabelSelector = [key: string, value: string | undefined];

/** A create's answer: the VNF, and whether it is the first answer replayed for a retried key. */
export type Created = { created: VnfView; replayed: boolean };

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

/** `GET /vnfs`: the page after `cursor` (opaque, from the last page's `nextCursor`), `limit` long. */
export interface VnfListQuery {
  limit?: number;
  cursor?: string;
  phase?: VnfPhase;
  labels?: readonly LabelSelector[];
}

export interface VnfPage {
  items: VnfView[];
  nextCursor: string | null;
}

/** A page, and the pageStamp it is exact for (null: libvirt was asked for some of it, so no stamp says when it changes). */
export interface VnfPageRead {
  page: VnfPage;
  asOf: string | null;
}

/**
 * The VNF use cases behind the HTTP API. Each write stores its intent durably first (a refused
 * or failed write stores nothing and touches no domain), then has the reconciler act on it and
 * waits for that reconcile. Refusals are VnfmErrors; the HTTP layer turns them into problems.
 */
export class VnfUseCases {
  private readonly requestSchema;
  private readonly locks = new KeyedMutex();

  constructor(
    private readonly vnfs: VnfRepository,
    private readonly events: VnfEventRepository,
    private readonly reconciler: Reconciler,
    private readonly libvirt: LibvirtPort,
    private readonly failpoints: Failpoints,
    private readonly context: DraftContext,
    private readonly hostResources: HostResourcePort,
    private readonly idempotency: IdempotencyKeys,
  ) {
    this.requestSchema = makeVnfSpecSchema({ defaultArch: context.host.arch });
  }

  get host(): HostFacts {
    return this.context.host;
  }

  /**
   * Validates and checks a request exactly as create would; with `dryRun` it answers what it
   * would do and writes nothing. With an `idempotencyKey`, a retry of the same body (even one
   * racing the first) answers the first answer without a second VNF; another body under a stored
   * key is refused (idempotency-key-reused).
   */
  async create(body: unknown, options: { dryRun: boolean; idempotencyKey?: string }): Promise<Created | { dryRun: DryRunResult }> {
    const claim = options.idempotencyKey === undefined || options.dryRun ? undefined : { key: options.idempotencyKey, requestHash: requestHash(body) };
    const early = claim && this.replayOf(claim);
    if (early) return early;
    const request: VnfRequest = validateBody(this.requestSchema, body);
    return this.locks.run(request.name, async () => {
      // A retry that waited for the first one's lock finds the key now.
      const replay = claim && this.replayOf(claim);
      if (replay) return replay;
      const draft = await this.draftNew(request);
      if (options.dryRun) return { dryRun: this.preview(draft, 1) };
      const created = await this.insertAndApply(draft, claim);
      if (claim) await this.idempotency.recordResponse(claim.key, created).catch(() => undefined);
      return { created, replayed: false };
    });
  }

  /** The first answer for a stored key with the same body; a refusal for another body; null when the key is new. */
  private replayOf(claim: IdempotencyClaim): Created | null {
    const stored = this.idempotency.find(claim.key);
    if (!stored) return null;
    if (stored.requestHash !== claim.requestHash) throw keyReused(claim.key);
    if (stored.response !== null) return { created: stored.response as VnfView, replayed: true };
    // Stored without its answer (the process stopped in between): the VNF as it is now.
    const vnf = this.vnfs.findById(stored.vnfId);
    if (!vnf) throw new VnfmError('not-found', `the VNF created under Idempotency-Key '${claim.key}' was deleted since`);
    return { created: vnfView(vnf, 'unknown', this.vnfs.claimsOf(vnf.id)), replayed: true };
  }

  /** `PUT /vnfs/{name}`: creates the VNF, or replaces its spec with every check a create makes. */
  async put(name: string, body: unknown, options: { ifMatch?: IfMatch; dryRun?: boolean } = {}): Promise<{ created: VnfView } | { replaced: VnfView } | { dryRun: DryRunResult }> {
    const withName = body !== null && typeof body === 'object' && !Array.isArray(body) && !Object.hasOwn(body, 'name') ? { ...body, name } : body;
    const request: VnfRequest = validateBody(this.requestSchema, withName);
    if (request.name !== name) throw VnfmError.invalid([{ field: 'name', reason: `must be '${name}', the name in the URL (a VNF cannot be renamed)` }]);
    return this.locks.run(name, async () => {
      const existing = this.vnfs.findByName(name);
      requireMatch(options.ifMatch, existing, `VNF '${name}'`);
      if (options.dryRun) return { dryRun: existing ? await this.previewReplace(existing, request) : this.preview(await this.draftNew(request), 1) };
      if (!existing) return { created: await this.insertAndApply(await this.draftNew(request)) };
      if (existing.pendingOperation === 'delete') throw new VnfmError('vnf-deleting', `VNF '${name}' is being deleted`, { field: 'name' });
      return { replaced: await this.replace(existing, request) };
    });
  }

  /** What a write of this draft would store and define at `generation`; writes nothing. */
  private preview(draft: SpecDraft, generation: number): DryRunResult {
    const plan = (state: DeviceState) => draftDomain(draft, generation, state, this.context);
    // Without a device to resolve the inventory is not read (two queries a dry run, 4% of its CPU).
    const domain = needsDevices(draft.spec) ? this.vnfs.preview(plan) : plan(NO_DEVICES);
    return { dryRun: true, spec: draft.spec, domainXml: domain.xml, devices: domain.allocations };
  }

  /** A replace's dry run: the same checks and draft as `replace`, the generation it would get. */
  private async previewReplace(existing: VnfRecord, request: VnfRequest): Promise<DryRunResult> {
    const draft = await this.draftReplacement(existing, request);
    const same = existing.spec !== null && canonicalJson(draft.spec) === canonicalJson(existing.spec);
    return this.preview(draft, same ? existing.generation : existing.generation + 1);
  }

  private async insertAndApply(draft: SpecDraft, idempotency?: IdempotencyClaim): Promise<VnfView> {
    const { vnf } = await this.vnfs.insertClaiming((state) => {
      const domain = draftDomain(draft, 1, state, this.context);
      return { vnf: newVnf(draft, domain.specHash), allocations: domain.allocations };
    }, idempotency);
    this.failpoints.hit('after-commit');
    // draftNew has just made sure libvirt has no domain of that name, and the UUID is new.
    const outcome = await this.reconcileAcknowledged(vnf.id, { knownAbsent: true });
    if (outcome?.result === 'rejected') {
      await this.vnfs.delete(vnf.id);
      if (idempotency) await this.idempotency.forget(idempotency.key);
      throw new VnfmError('domain-rejected', `libvirt refused the domain definition: ${outcome.message}`);
    }
    return this.view(vnf.name);
  }

  /** Every check a replace makes before the write itself (the kind stays, MACs free, host resources allowed); writes nothing. */
  private async draftReplacement(existing: VnfRecord, request: VnfRequest): Promise<SpecDraft> {
    if (existing.spec && (existing.spec.kind ?? 'vm') !== request.kind) {
      throw VnfmError.invalid([{ field: 'kind', reason: `must stay '${existing.spec.kind ?? 'vm'}': a VNF cannot change between VM and container (delete it and create it again)` }]);
    }
    // Every other damage is repaired by a new spec; a damaged id is the domain's UUID, which no PUT can give back.
    if (!isVnfId(existing.id)) throw new VnfmError('spec-unreadable', `VNF '${existing.name}' cannot be replaced: ${existing.specProblem}; write its id back (the UUID of its domain: virsh domuuid ${existing.name}), or DELETE it`);
    const taken = this.takenMacs(existing.id);
    refuseTakenMacs(request, taken);
    // A damaged stored spec can be replaced: that is how an operator repairs it.
    const draft = draftSpec(existing.id, request, taken, this.context.host, existing.spec ?? undefined);
    await refuseDisallowedResources(this.hostResources, draft.spec);
    return draft;
  }

  private async replace(existing: VnfRecord, request: VnfRequest): Promise<VnfView> {
    const draft = await this.draftReplacement(existing, request);
    const generation = existing.generation + 1;
    const { changed } = await this.vnfs.replaceClaiming(existing.id, (state) => {
      const domain = draftDomain(draft, generation, state, this.context);
      const same = existing.spec !== null && canonicalJson(draft.spec) === canonicalJson(existing.spec) && domain.specHash === existing.specHash;
      if (same) return { changes: null, allocations: domain.allocations };
      const changes: VnfChanges = {
        spec: draft.spec,
        specHash: domain.specHash,
        generation,
        phase: 'Provisioning',
        pendingOperation: 'update',
        failureCount: 0,
        nextAttemptAt: null,
        lastError: null,
        // A damaged row's flags asked for nothing: the new spec starts without them.
        ...(existing.spec === null ? { restartRequired: false, rebootRequested: false } : {}),
      };
      return { changes, allocations: domain.allocations };
    });
    if (!changed) return this.view(existing.name);
    const outcome = await this.reconcileAcknowledged(existing.id);
    if (outcome?.result === 'rejected') {
      throw new VnfmError(
        'domain-rejected',
        `libvirt refused the new domain definition: ${outcome.message}. The spec is stored and the VNF is Failed; libvirt keeps the previous definition until a valid spec is PUT`,
      );
    }
    return this.view(existing.name);
  }

  /** Every check a create makes before the write itself (host resources included); writes nothing. */
  private async draftNew(request: VnfRequest): Promise<SpecDraft> {
    if (this.vnfs.findByName(request.name)) throw nameTaken(request.name);
    const taken = this.takenMacs();
    refuseTakenMacs(request, taken);
    await this.refuseForeignDomain(request.name);
    const draft = draftSpec(randomUUID(), request, taken, this.context.host);
    await refuseDisallowedResources(this.hostResources, draft.spec);
    return draft;
  }

  /** The MACs other VNFs use, asked of the store one MAC at a time (indexed), never read whole. */
  private takenMacs(exceptId?: string): MacOwners {
    return { owner: (mac) => this.vnfs.macOwner(mac, exceptId), has: (mac) => this.vnfs.macOwner(mac, exceptId) !== null };
  }

  /**
   * The write is committed: reconcile it now and wait. A reconcile that cannot run (libvirt or
   * the database away) does not undo the acknowledged write: the reconciler gets to it later.
   */
  private async reconcileAcknowledged(id: string, options: { knownAbsent?: boolean } = {}): Promise<ReconcileOutcome | null> {
    return this.reconciler.reconcileNow(id, options).catch(() => null);
  }

  /**
   * One page of VNFs by name, after the cursor's name; filtered by phase and labels (every
   * selector must match). `nextCursor` is null on the last page. Domains as vnfm last knew them.
   */
  async list(query: VnfListQuery = {}): Promise<VnfPageRead> {
    const asOf = this.pageStamp();
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const rows = this.vnfs.page({ afterName: query.cursor === undefined ? undefined : decodeCursor(query.cursor), limit: limit + 1, phase: query.phase, labels: query.labels ?? [] });
    const page = rows.slice(0, limit);
    const claims = this.vnfs.claimsOfMany(page.map((vnf) => vnf.id));
    const { observed, askedLibvirt } = await this.observeVnfs(page);
    const items = page.map((vnf, index) => vnfView(vnf, observed[index]!, claims.get(vnf.id) ?? []));
    return {
      page: { items, nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]!.name) : null },
      asOf: !askedLibvirt && this.pageStamp() === asOf ? asOf : null,
    };
  }

  /**
   * Changes whenever a page may: a change in the store (any row, by vnfm or by another process),
   * in the status vnfm knows, or in the connection to libvirt. The same stamp and query, the same
   * page (when `list` answered it with that stamp).
   */
  pageStamp(): string {
    return `${this.vnfs.changeMark()}/${this.reconciler.statusVersion}/${this.libvirt.isConnected() ? 'up' : 'down'}`;
  }

  get(name: string): Promise<VnfView> {
    return this.view(name);
  }

  /** The VNF with this id as GET shows it, or null when there is none (the watch stream). */
  async viewById(id: string): Promise<VnfView | null> {
    const vnf = this.vnfs.findById(id);
    return vnf ? vnfView(vnf, await this.observeVnf(vnf), this.vnfs.claimsOf(vnf.id)) : null;
  }

  /** Whether the view's labels match every selector (the list's and the watch's filter). */
  static matches(view: { spec: { labels?: Record<string, string> } | null }, labels: readonly LabelSelector[]): boolean {
    const own = view.spec?.labels ?? {};
    return labels.every(([key, value]) => Object.hasOwn(own, key) && (value === undefined || own[key] === value));
  }

  /**
   * Marks the VNF for deletion, then has its domain removed, then its row and device claims (in
   * that order, so a device is never free while a domain may still use it). A VNF whose stored
   * spec is damaged can be deleted too. libvirt trouble defers the rest to the reconciler.
   */
  async delete(name: string, options: { ifMatch?: IfMatch } = {}): Promise<VnfView> {
    return this.locks.run(name, async () => {
      const vnf = this.require(name);
      requireMatch(options.ifMatch, vnf, `VNF '${name}'`);
      const marked = (await this.vnfs.update(vnf.id, { phase: 'Deleting', pendingOperation: 'delete', failureCount: 0, nextAttemptAt: null }))!;
      const claims = this.vnfs.claimsOf(vnf.id);
      const outcome = await this.reconcileAcknowledged(vnf.id);
      if (outcome?.result === 'deleted') return vnfView(marked, null, []);
      return vnfView(this.vnfs.findById(vnf.id) ?? marked, 'unknown', claims);
    });
  }

  /** start / stop: the desired power state (runtime intent: no new generation, no redefine). */
  async setPowerState(name: string, powerState: 'running' | 'stopped'): Promise<VnfView> {
    return this.locks.run(name, async () => {
      const vnf = this.requireWorkable(name);
      const spec = vnf.spec!;
      if (spec.powerState !== powerState) {
        await this.vnfs.update(vnf.id, { spec: { ...spec, powerState }, shutdownRequestedAt: null, failureCount: 0, nextAttemptAt: null });
      }
      await this.reconcileAcknowledged(vnf.id);
      return this.view(name);
    });
  }

  /** reboot: a one-shot, carried out once by the reconciler. */
  async reboot(name: string): Promise<VnfView> {
    return this.locks.run(name, async () => {
      const vnf = this.requireWorkable(name);
      if (vnf.spec!.powerState !== 'running') throw new VnfmError('vnf-stopped', `VNF '${name}' is meant to be stopped; start it instead`);
      await this.vnfs.update(vnf.id, { rebootRequested: true });
      await this.reconcileAcknowledged(vnf.id);
      return this.view(name);
    });
  }

  eventsOf(name: string): Array<{ at: string; type: string; message: string }> {
    const vnf = this.require(name);
    return this.events.list(vnf.id).map(({ at, type, message }) => ({ at, type, message }));
  }

  /** The XML vnfm defines for the VNF now. */
  desiredXml(name: string): string {
    const vnf = this.require(name);
    if (!vnf.spec) throw new VnfmError('spec-unreadable', `VNF '${name}' has a stored spec vnfm cannot read (${vnf.specProblem}); PUT a new spec or DELETE it`);
    try {
      return desiredXml(vnf, vnf.spec, allocatedDevices(this.vnfs.claimsOf(vnf.id)), this.context.host, this.context.instanceId);
    } catch (error) {
      throw new VnfmError('design-failed', `vnfm cannot build this VNF's domain: ${messageOf(error)}`, { cause: error });
    }
  }

  /** What libvirt has now (live definition). */
  async liveXml(name: string): Promise<string> {
    const vnf = this.require(name);
    const observed = await this.observeVnf(vnf);
    if (observed === 'unknown') throw new VnfmError('libvirt-unavailable', `libvirtd at ${this.libvirt.uri} is not reachable`);
    if (!observed || observed.uuid !== vnf.id) throw new VnfmError('not-found', `VNF '${name}' has no libvirt domain right now`);
    return this.libvirt.getDomainXml(vnf.id, { inactive: false });
  }

  /**
   * The console of the VNF's running domain (by UUID), its output to `output`. 409
   * `vnf-not-running` when there is no running domain (stopped, being deleted, not defined yet),
   * `console-busy` when someone else (virsh console, another vnfm client) holds it and `force`
   * is not given; 503 when libvirtd is away.
   */
  async openConsole(name: string, output: ConsoleOutput, options: { force?: boolean } = {}): Promise<DomainConsole> {
    const vnf = this.require(name);
    const notRunning = (why: string) => new VnfmError('vnf-not-running', `VNF '${name}' ${why}; its console is there only while it runs`);
    if (vnf.pendingOperation === 'delete') throw notRunning('is being deleted');
    const observed = await this.observeVnf(vnf);
    if (observed === 'unknown') throw new VnfmError('libvirt-unavailable', `libvirtd at ${this.libvirt.uri} is not reachable`);
    if (!observed || observed.uuid !== vnf.id) throw notRunning('has no libvirt domain right now');
    if (observed.state !== 'running') throw notRunning(`is ${observed.state}`);
    try {
      return await this.libvirt.openConsole(vnf.id, output, options);
    } catch (error) {
      if (error instanceof ConsoleBusyError) throw new VnfmError('console-busy', `the console of VNF '${name}' is in use (virsh console?); ?force=true takes it over`, { cause: error });
      if (error instanceof DomainNotRunningError || error instanceof DomainNotFoundError) throw notRunning('is not running');
      if (error instanceof LibvirtConnectionError || error instanceof LibvirtTimeoutError) throw new VnfmError('libvirt-unavailable', `libvirtd at ${this.libvirt.uri} is not reachable`, { cause: error });
      if (error instanceof LibvirtError && error.libvirtCode === 'VIR_ERR_NO_SUPPORT') throw new VnfmError('unsupported-on-host', `the libvirt driver of VNF '${name}' has no consoles`, { cause: error });
      throw error;
    }
  }

  /**
   * The state of the VNF's domain as libvirt says it now (after its console hung up): `absent`
   * when there is none, `deleting` when the VNF is being deleted (or is gone).
   */
  async consoleDomainState(name: string): Promise<string> {
    const vnf = this.vnfs.findByName(name);
    if (!vnf || vnf.pendingOperation === 'delete') return 'deleting';
    try {
      const observed = await this.libvirt.lookupDomainByUuid(vnf.id, vnf.spec?.kind);
      return observed === null ? 'absent' : observed.state;
    } catch (error) {
      if (error instanceof LibvirtError) return 'unknown';
      throw error;
    }
  }

  private async view(name: string): Promise<VnfView> {
    const vnf = this.require(name);
    return vnfView(vnf, await this.observeVnf(vnf), this.vnfs.claimsOf(vnf.id));
  }

  /**
   * The VNF's own domain by UUID, whatever it is called now, as vnfm last knew it (passes,
   * events, its own actions); libvirt is asked only when that is not known.
   */
  private async observeVnf(vnf: VnfRecord, connected = this.libvirt.isConnected()): Promise<ObservedDomain | null | 'unknown'> {
    if (!connected) return 'unknown';
    try {
      return await this.reconciler.domainOf(vnf.id, vnf.spec?.kind);
    } catch (error) {
      if (error instanceof LibvirtError) return 'unknown';
      throw error;
    }
  }

  /**
   * observeVnf of each: what vnfm knows is answered at once (no promise per VNF: a page is 100),
   * libvirt asked only for the rest. libvirt's connection is asked once per page, not per item
   * (a native call each: 1.7% of a page's CPU profile).
   */
  private async observeVnfs(vnfs: readonly VnfRecord[]): Promise<{ observed: Array<ObservedDomain | null | 'unknown'>; askedLibvirt: boolean }> {
    if (!this.libvirt.isConnected()) return { observed: vnfs.map(() => 'unknown'), askedLibvirt: false };
    const observed: Array<ObservedDomain | null | 'unknown' | undefined> = vnfs.map((vnf) => this.reconciler.knownDomainOf(vnf.id));
    const unknown = vnfs.flatMap((vnf, index) => (observed[index] === undefined ? [index] : []));
    await Promise.all(unknown.map(async (index) => (observed[index] = await this.observeVnf(vnfs[index]!, true))));
    return { observed: observed as Array<ObservedDomain | null | 'unknown'>, askedLibvirt: unknown.length > 0 };
  }

  /** A VNF that is not being deleted and whose spec can be read. */
  private requireWorkable(name: string): VnfRecord {
    const vnf = this.require(name);
    if (vnf.pendingOperation === 'delete') throw new VnfmError('vnf-deleting', `VNF '${name}' is being deleted`);
    if (!vnf.spec) throw new VnfmError('spec-unreadable', `VNF '${name}' has a stored spec vnfm cannot read (${vnf.specProblem}); PUT a new spec or DELETE it`);
    return vnf;
  }

  private require(name: string): VnfRecord {
    const vnf = this.vnfs.findByName(name);
    if (!vnf) throw new VnfmError('not-found', `no VNF named '${name}'`);
    return vnf;
  }

  private async observe(name: string): Promise<ObservedDomain | null | 'unknown'> {
    try {
      return await this.libvirt.lookupDomain(name);
    } catch (error) {
      if (error instanceof LibvirtError) return 'unknown';
      throw error;
    }
  }

  /** A domain of that name that vnfm does not own must never be overwritten by a define. */
  private async refuseForeignDomain(name: string): Promise<void> {
    const observed = await this.observe(name);
    if (observed && observed !== 'unknown') {
      throw new VnfmError('domain-name-taken', `libvirt already has a domain named '${name}' that vnfm does not manage`, { field: 'name' });
    }
  }
}

interface MacOwners {
  has(mac: string): boolean;
  owner(mac: string): string | null;
}

function refuseTakenMacs(request: VnfRequest, macOwners: MacOwners): void {
  request.interfaces.forEach((nic, index) => {
    const mac = 'mac' in nic ? nic.mac : undefined;
    const owner = mac ? macOwners.owner(mac) : null;
    if (owner) throw new VnfmError('mac-in-use', `interfaces[${index}].mac ${mac} is used by VNF '${owner}'`, { field: `interfaces[${index}].mac` });
  });
}

/** The body as sent, hashed canonically (key order does not matter; defaults are not filled in). */
function requestHash(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

function nameTaken(name: string): VnfmError {
  return new VnfmError('name-taken', `a VNF named '${name}' already exists`, { field: 'name' });
}

function newVnf(draft: SpecDraft, hash: string): NewVnf {
  const now = new Date().toISOString();
  return {
    id: draft.id,
    name: draft.spec.name,
    spec: draft.spec,
    specHash: hash,
    generation: 1,
    observedGeneration: 0,
    phase: 'Provisioning',
    pendingOperation: 'create',
    restartRequired: false,
    inSync: false,
    drift: [],
    failureCount: 0,
    nextAttemptAt: null,
    shutdownRequestedAt: null,
    rebootRequested: false,
    lastError: null,
    lastReconciledAt: null,
    createdAt: now,
    updatedAt: now,
  };
}

