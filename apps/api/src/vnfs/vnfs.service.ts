import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { hostProblems, type HostFacts } from '../../../../libs/designer/src/index.js';
import { deviceSlotsOf, resolveDevices, type Allocation, type DeviceAllowList } from '../../../../libs/host-devices/src/index.js';
import { VnfEventRepository, VnfNameTakenError, VnfRepository, type DeviceState, type VnfEntity } from '../../../../libs/inventory/src/index.js';
import { LIBVIRT_PORT, LibvirtError, type LibvirtPort, type ObservedDomain } from '../../../../libs/libvirt/src/index.js';
import { canonicalJson, makeVnfSpecSchema, normalizeSpec, specHash, type VnfRequest, type VnfSpec } from '../../../../libs/vnf/src/index.js';
import { KeyedMutex } from '../common/keyed-mutex.js';
import { ProblemException } from '../common/problem.js';
import { validateBody } from '../common/request-validation.js';
import { DEVICE_ALLOW_LIST } from '../host-devices/host-device-inventory.service.js';
import { HOST_FACTS } from '../host/detect-host-facts.js';
import { deviceProblem } from './device-problems.js';
import { FAILPOINTS, type Failpoints } from '../reconciler/failpoints.js';
import { desiredXml, desiredXmlWithClaims } from '../reconciler/desired-domain.js';
import { Reconciler } from '../reconciler/reconciler.service.js';
import { VNF_LOCKS } from './vnf-locks.js';
import { macsOf, specOf } from './vnf-record.js';
import { vnfView, type VnfView } from './vnf-view.js';


/** What `POST /vnfs?dryRun=true` answers: what would be stored, defined and claimed. */
export interface DryRunResult {
  dryRun: true;
  spec: VnfSpec;
  domainXml: string;
  /** Host devices the VNF would take. */
  devices: Allocation[];
}

/** The VNF use cases behind the HTTP API. */
@Injectable()
export class VnfsService {
  private readonly requestSchema;

  constructor(
    private readonly vnfs: VnfRepository,
    private readonly reconciler: Reconciler,
    private readonly events: VnfEventRepository,
    @Inject(FAILPOINTS) private readonly failpoints: Failpoints,
    @Inject(LIBVIRT_PORT) private readonly libvirt: LibvirtPort,
    @Inject(HOST_FACTS) private readonly host: HostFacts,
    @Inject(VNF_LOCKS) private readonly locks: KeyedMutex,
    @Inject(DEVICE_ALLOW_LIST) private readonly allowList: DeviceAllowList,
  ) {
    this.requestSchema = makeVnfSpecSchema({ defaultArch: this.host.arch });
  }

  /**
   * Validates and checks a request exactly as create would; with `dryRun` it returns the domain
   * XML it would define and the devices it would take, and writes nothing. Otherwise it stores
   * the VNF and claims its devices in one transaction, then applies it.
   */
  async create(body: unknown, options: { dryRun: boolean }): Promise<{ created: VnfView } | { dryRun: DryRunResult }> {
    const request: VnfRequest = validateBody(this.requestSchema, body);
    return this.locks.run(request.name, async () => {
      const draft = await this.prepare(request);
      if (options.dryRun) {
        const { vnf, allocations } = await this.refusingDevices(() => this.vnfs.preview((state) => this.planNew(draft, state)));
        return { dryRun: { dryRun: true, spec: specOf(vnf), domainXml: desiredXml(vnf, allocations, this.host), devices: allocations } };
      }
      return { created: await this.insertAndApply(draft) };
    });
  }

  /** `PUT /vnfs/{name}`: creates the VNF, or replaces its spec with every check a create makes. */
  async put(name: string, body: unknown): Promise<{ created: VnfView } | { replaced: VnfView }> {
    const withName = body !== null && typeof body === 'object' && !Array.isArray(body) && !('name' in body) ? { ...body, name } : body;
    const request: VnfRequest = validateBody(this.requestSchema, withName);
    if (request.name !== name) throw ProblemException.invalidRequest([{ field: 'name', reason: `must be '${name}', the name in the URL (a VNF cannot be renamed)` }]);
    return this.locks.run(name, async () => {
      const existing = await this.vnfs.findByName(name);
      if (!existing) return { created: await this.insertAndApply(await this.prepare(request)) };
      if (existing.pendingOperation === 'delete') throw ProblemException.conflict('vnf-deleting', `VNF '${name}' is being deleted`, { field: 'name' });
      return { replaced: await this.replace(existing, request) };
    });
  }

  private async insertAndApply(draft: Draft): Promise<VnfView> {
    let vnf: VnfEntity;
    try {
      ({ vnf } = await this.refusingDevices(() => this.vnfs.insertClaiming((state) => this.planNew(draft, state))));
    } catch (error) {
      if (error instanceof VnfNameTakenError) throw this.nameTaken(draft.spec.name);
      throw error;
    }
    this.failpoints.hit('after-commit');
    const outcome = await this.reconciler.reconcileHeld(vnf);
    if (outcome.result === 'rejected') {
      await this.vnfs.delete(vnf.id);
      throw ProblemException.unprocessable('domain-rejected', `libvirt refused the domain definition: ${outcome.message}`);
    }
    return this.view(vnf.name);
  }

  private async replace(existing: VnfEntity, request: VnfRequest): Promise<VnfView> {
    const previous = specOf(existing);
    const others = (await this.vnfs.findAll()).filter((vnf) => vnf.id !== existing.id);
    const macOwners = macsOf(others);
    this.refuseTakenMacs(request, macOwners);
    const spec = normalizeSpec(request, new Set(macOwners.keys()), previous);
    this.refuseUnsupported(spec);
    const previousHash = existing.specHash;
    let changed = false;
    await this.refusingDevices(() =>
      this.vnfs.replaceClaiming(existing.id, (state) => {
        const allocations = this.resolve(existing.id, spec, state);
        const hash = specHash(spec, allocations);
        changed = canonicalJson(spec) !== canonicalJson(previous) || hash !== previousHash;
        if (!changed) return { changes: {}, allocations };
        return {
          changes: {
            spec: JSON.stringify(spec),
            specHash: hash,
            generation: existing.generation + 1,
            phase: 'Provisioning',
            pendingOperation: 'update',
          },
          allocations,
        };
      }),
    );
    if (!changed) return this.view(existing.name);
    const updated = (await this.vnfs.findById(existing.id))!;
    const outcome = await this.reconciler.reconcileHeld(updated);
    if (outcome.result === 'rejected') {
      throw ProblemException.unprocessable(
        'domain-rejected',
        `libvirt refused the new domain definition: ${outcome.message}. The spec is stored and the VNF is Failed; libvirt keeps the previous definition until a valid spec is PUT`,
      );
    }
    return this.view(existing.name);
  }

  /** Every check a create makes that needs no transaction; writes nothing. */
  private async prepare(request: VnfRequest): Promise<Draft> {
    const existing = await this.vnfs.findAll();
    if (existing.some((vnf) => vnf.name === request.name)) throw this.nameTaken(request.name);
    const macOwners = macsOf(existing);
    this.refuseTakenMacs(request, macOwners);
    await this.refuseForeignDomain(request.name);
    const spec = normalizeSpec(request, new Set(macOwners.keys()));
    this.refuseUnsupported(spec);
    return { id: randomUUID(), spec };
  }

  /** Inside the claiming transaction: the devices, then the row that records them. */
  private planNew(draft: Draft, state: DeviceState): { vnf: VnfEntity; allocations: Allocation[] } {
    const allocations = this.resolve(draft.id, draft.spec, state);
    const now = new Date().toISOString();
    const vnf: VnfEntity = {
      id: draft.id,
      name: draft.spec.name,
      spec: JSON.stringify(draft.spec),
      specHash: specHash(draft.spec, allocations),
      generation: 1,
      observedGeneration: 0,
      phase: 'Provisioning',
      pendingOperation: 'create',
      restartRequired: false,
      inSync: false,
      drift: '[]',
      failureCount: 0,
      nextAttemptAt: null,
      shutdownRequestedAt: null,
      rebootRequested: false,
      lastError: null,
      lastReconciledAt: null,
      createdAt: now,
      updatedAt: now,
    };
    return { vnf, allocations };
  }

  private resolve(vnfId: string, spec: VnfSpec, state: DeviceState): Allocation[] {
    return resolveDevices({ slots: deviceSlotsOf(spec), inventory: state.devices, holders: state.holders, vnfId, allowList: this.allowList });
  }

  private async refusingDevices<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw deviceProblem(error) ?? error;
    }
  }

  private refuseTakenMacs(request: VnfRequest, macOwners: ReadonlyMap<string, string>): void {
    request.interfaces.forEach((nic, index) => {
      const owner = nic.mac ? macOwners.get(nic.mac) : undefined;
      if (owner) throw ProblemException.conflict('mac-in-use', `interfaces[${index}].mac ${nic.mac} is used by VNF '${owner}'`, { field: `interfaces[${index}].mac` });
    });
  }

  private refuseUnsupported(spec: VnfSpec): void {
    const unsupported = hostProblems(spec, this.host);
    if (unsupported.length > 0) {
      throw ProblemException.unprocessable('unsupported-on-host', unsupported.map((p) => `${p.field}: ${p.reason}`).join('; '), { errors: unsupported });
    }
  }

  async list(labels: ReadonlyArray<[string, string | undefined]> = []): Promise<VnfView[]> {
    const rows = (await this.vnfs.findAll()).filter((vnf) => {
      const own = specOf(vnf).labels ?? {};
      return labels.every(([key, value]) => Object.hasOwn(own, key) && (value === undefined || own[key] === value));
    });
    const claims = await this.vnfs.allClaims();
    const observed = await this.observeAll();
    return rows.map((vnf) =>
      vnfView(vnf, observed === 'unknown' ? 'unknown' : (observed.get(vnf.name) ?? null), claims.filter((claim) => claim.vnfId === vnf.id)),
    );
  }

  async get(name: string): Promise<VnfView> {
    return this.view(name);
  }

  /**
   * Marks the VNF for deletion, then removes its domain, then its row and device claims (in that
   * order, so a device is never free while a domain may still use it). libvirt trouble defers the rest.
   */
  async delete(name: string): Promise<VnfView> {
    return this.locks.run(name, async () => {
      const vnf = await this.require(name);
      await this.vnfs.update(vnf.id, { phase: 'Deleting', pendingOperation: 'delete' });
      const marked = (await this.vnfs.findById(vnf.id))!;
      const claims = await this.vnfs.claimsOf(vnf.id);
      const outcome = await this.reconciler.reconcileHeld(marked);
      if (outcome.result === 'deleted') return vnfView(marked, null, []);
      return vnfView((await this.vnfs.findById(vnf.id)) ?? marked, 'unknown', claims);
    });
  }

  /** start / stop: the desired power state (runtime intent: no new generation, no redefine). */
  async setPowerState(name: string, powerState: 'running' | 'stopped'): Promise<VnfView> {
    return this.locks.run(name, async () => {
      const vnf = await this.requireLive(name);
      const spec = specOf(vnf);
      if (spec.powerState !== powerState) {
        await this.vnfs.update(vnf.id, { spec: JSON.stringify({ ...spec, powerState }), shutdownRequestedAt: null, failureCount: 0, nextAttemptAt: null });
      }
      await this.reconciler.reconcileHeld((await this.vnfs.findById(vnf.id))!);
      return this.view(name);
    });
  }

  /** reboot: a one-shot, carried out once by the reconciler. */
  async reboot(name: string): Promise<VnfView> {
    return this.locks.run(name, async () => {
      const vnf = await this.requireLive(name);
      if (specOf(vnf).powerState !== 'running') throw ProblemException.conflict('vnf-stopped', `VNF '${name}' is meant to be stopped; start it instead`);
      await this.vnfs.update(vnf.id, { rebootRequested: true });
      await this.reconciler.reconcileHeld((await this.vnfs.findById(vnf.id))!);
      return this.view(name);
    });
  }

  async eventsOf(name: string) {
    const vnf = await this.require(name);
    return (await this.events.list(vnf.id)).map(({ at, type, message }) => ({ at, type, message }));
  }

  async desiredXml(name: string): Promise<string> {
    const vnf = await this.require(name);
    return desiredXmlWithClaims(vnf, await this.vnfs.claimsOf(vnf.id), this.host);
  }

  async liveXml(name: string): Promise<string> {
    const vnf = await this.require(name);
    const observed = await this.observe(name);
    if (observed === 'unknown') throw ProblemException.unavailable('libvirt-unavailable', `libvirtd at ${this.libvirt.uri} is not reachable`);
    if (!observed || observed.uuid !== vnf.id) throw ProblemException.notFound(`VNF '${name}' has no libvirt domain right now`);
    return this.libvirt.getDomainXml(name, { inactive: false });
  }

  private async view(name: string): Promise<VnfView> {
    const vnf = await this.require(name);
    return vnfView(vnf, await this.observe(name), await this.vnfs.claimsOf(vnf.id));
  }

  /** A VNF that is not being deleted. */
  private async requireLive(name: string): Promise<VnfEntity> {
    const vnf = await this.require(name);
    if (vnf.pendingOperation === 'delete') throw ProblemException.conflict('vnf-deleting', `VNF '${name}' is being deleted`);
    return vnf;
  }

  private async require(name: string): Promise<VnfEntity> {
    const vnf = await this.vnfs.findByName(name);
    if (!vnf) throw ProblemException.notFound(`no VNF named '${name}'`);
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

  private async observeAll(): Promise<Map<string, ObservedDomain> | 'unknown'> {
    try {
      return new Map((await this.libvirt.listDomains()).map((domain) => [domain.name, domain]));
    } catch (error) {
      if (error instanceof LibvirtError) return 'unknown';
      throw error;
    }
  }

  /** A domain of that name that vnfm does not own must never be overwritten by a define. */
  private async refuseForeignDomain(name: string): Promise<void> {
    const observed = await this.observe(name);
    if (observed && observed !== 'unknown') {
      throw ProblemException.conflict('domain-name-taken', `libvirt already has a domain named '${name}' that vnfm does not manage`, { field: 'name' });
    }
  }

  private nameTaken(name: string): ProblemException {
    return ProblemException.conflict('name-taken', `a VNF named '${name}' already exists`, { field: 'name' });
  }
}

/** A validated, normalised request with its id chosen, before devices are resolved. */
interface Draft {
  id: string;
  spec: VnfSpec;
}
