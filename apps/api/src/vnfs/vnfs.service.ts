import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { hostProblems, type HostFacts } from '../../../../libs/designer/src/index.js';
import { VnfNameTakenError, VnfRepository, type VnfEntity } from '../../../../libs/inventory/src/index.js';
import { LIBVIRT_PORT, LibvirtError, type LibvirtPort, type ObservedDomain } from '../../../../libs/libvirt/src/index.js';
import { makeVnfSpecSchema, normalizeSpec, specHash, type VnfRequest, type VnfSpec } from '../../../../libs/vnf/src/index.js';
import { KeyedMutex } from '../common/keyed-mutex.js';
import { ProblemException } from '../common/problem.js';
import { validateBody } from '../common/request-validation.js';
import { HOST_FACTS } from '../host/detect-host-facts.js';
import { VnfConverger } from './vnf-converger.js';
import { macsOf, specOf } from './vnf-record.js';
import { vnfView, type VnfView } from './vnf-view.js';

export const VNF_LOCKS = Symbol('VNF_LOCKS');

/** What `POST /vnfs?dryRun=true` answers: what would be stored and defined. */
export interface DryRunResult {
  dryRun: true;
  spec: VnfSpec;
  domainXml: string;
  /** Host devices the VNF would take (none until the host-device inventory exists). */
  devices: never[];
}

/** The VNF use cases behind the HTTP API. */
@Injectable()
export class VnfsService {
  private readonly requestSchema;

  constructor(
    private readonly vnfs: VnfRepository,
    private readonly converger: VnfConverger,
    @Inject(LIBVIRT_PORT) private readonly libvirt: LibvirtPort,
    @Inject(HOST_FACTS) private readonly host: HostFacts,
    @Inject(VNF_LOCKS) private readonly locks: KeyedMutex,
  ) {
    this.requestSchema = makeVnfSpecSchema({ defaultArch: this.host.arch });
  }

  /**
   * Validates and checks a request exactly as create would; with `dryRun` it returns the domain
   * XML it would define and writes nothing. Otherwise it stores the VNF, then applies it.
   */
  async create(body: unknown, options: { dryRun: boolean }): Promise<{ created: VnfView } | { dryRun: DryRunResult }> {
    const request: VnfRequest = validateBody(this.requestSchema, body);
    return this.locks.run(request.name, async () => {
      const vnf = await this.prepare(request);
      if (options.dryRun) {
        return { dryRun: { dryRun: true, spec: specOf(vnf), domainXml: this.converger.desiredXml(vnf), devices: [] } };
      }
      try {
        await this.vnfs.insert(vnf);
      } catch (error) {
        if (error instanceof VnfNameTakenError) throw this.nameTaken(request.name);
        throw error;
      }
      const outcome = await this.converger.converge(vnf);
      if (outcome.kind === 'define-rejected') {
        await this.vnfs.delete(vnf.id);
        throw ProblemException.unprocessable('domain-rejected', `libvirt refused the domain definition: ${outcome.message}`);
      }
      return { created: await this.view(vnf.name) };
    });
  }

  /** Every check a create makes, and the row it would write; writes nothing. */
  private async prepare(request: VnfRequest): Promise<VnfEntity> {
    const existing = await this.vnfs.findAll();
    if (existing.some((vnf) => vnf.name === request.name)) throw this.nameTaken(request.name);
    const macOwners = macsOf(existing);
    request.interfaces.forEach((nic, index) => {
      const owner = nic.mac ? macOwners.get(nic.mac) : undefined;
      if (owner) throw ProblemException.conflict('mac-in-use', `interfaces[${index}].mac ${nic.mac} is used by VNF '${owner}'`, { field: `interfaces[${index}].mac` });
    });
    await this.refuseForeignDomain(request.name);
    const spec = normalizeSpec(request, new Set(macOwners.keys()));
    const unsupported = hostProblems(spec, this.host);
    if (unsupported.length > 0) {
      throw ProblemException.unprocessable('unsupported-on-host', unsupported.map((p) => `${p.field}: ${p.reason}`).join('; '), { errors: unsupported });
    }
    const now = new Date().toISOString();
    return {
      id: randomUUID(),
      name: spec.name,
      spec: JSON.stringify(spec),
      specHash: specHash(spec),
      generation: 1,
      observedGeneration: 0,
      phase: 'Provisioning',
      pendingOperation: 'create',
      lastError: null,
      lastReconciledAt: null,
      createdAt: now,
      updatedAt: now,
    };
  }

  async list(): Promise<VnfView[]> {
    const rows = await this.vnfs.findAll();
    const observed = await this.observeAll();
    return rows.map((vnf) => vnfView(vnf, observed === 'unknown' ? 'unknown' : (observed.get(vnf.name) ?? null)));
  }

  async get(name: string): Promise<VnfView> {
    return this.view(name);
  }

  /** Marks the VNF for deletion, then removes its domain and row; libvirt trouble defers the rest. */
  async delete(name: string): Promise<VnfView> {
    return this.locks.run(name, async () => {
      const vnf = await this.require(name);
      await this.vnfs.update(vnf.id, { phase: 'Deleting', pendingOperation: 'delete' });
      const marked = { ...vnf, phase: 'Deleting' as const, pendingOperation: 'delete' };
      const result = await this.converger.finishDelete(marked);
      const latest = result === 'deleted' ? marked : ((await this.vnfs.findById(vnf.id)) ?? marked);
      return vnfView(latest, result === 'deleted' ? null : 'unknown');
    });
  }

  async desiredXml(name: string): Promise<string> {
    return this.converger.desiredXml(await this.require(name));
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
    return vnfView(vnf, await this.observe(name));
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
