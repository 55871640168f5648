import { IsNull, type DataSource, type EntityManager } from 'typeorm';
import type { Allocation } from '../../host-devices/src/index.js';
import type { DbQueue } from './db-queue.js';
import { claimsOfVnf, loadDeviceState, type DeviceState } from './device-state.js';
import { DeviceClaimEntity } from './host-device.entity.js';
import { VnfEntity } from './vnf.entity.js';

/**
 * Decides, from the inventory and claims as of this moment, what to write: the row (or its
 * changes) and the devices to claim. Throws to refuse; then nothing is written.
 */
export type ClaimPlanner<T> = (state: DeviceState) => T & { allocations: Allocation[] };

/** The database refused a claim: the device is held already (the UNIQUE backstop). */
export class DeviceClaimConflictError extends Error {
  constructor(readonly deviceKey: string) {
    super(`device ${deviceKey} is already claimed`);
  }
}

export class VnfNameTakenError extends Error {
  constructor(readonly vnfName: string) {
    super(`a VNF named '${vnfName}' already exists`);
  }
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code ?? (error as { driverError?: { code?: string } } | null)?.driverError?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT');
}

/** All VNF rows go through here; every method is one serialized unit of database work. */
export class VnfRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: DbQueue,
  ) {}

  findByName(name: string): Promise<VnfEntity | null> {
    return this.unit((manager) => manager.findOneBy(VnfEntity, { name }));
  }

  findById(id: string): Promise<VnfEntity | null> {
    return this.unit((manager) => manager.findOneBy(VnfEntity, { id }));
  }

  findAll(): Promise<VnfEntity[]> {
    return this.unit((manager) => manager.find(VnfEntity, { order: { name: 'ASC' } }));
  }

  /** Inserts a new VNF; VnfNameTakenError when the name is in use (UNIQUE constraint). */
  insert(vnf: VnfEntity): Promise<VnfEntity> {
    return this.unit(async (manager) => {
      try {
        await manager.insert(VnfEntity, vnf);
      } catch (error) {
        if (isUniqueViolation(error)) throw new VnfNameTakenError(vnf.name);
        throw error;
      }
      return vnf;
    });
  }

  /**
   * Inserts a new VNF and claims its devices in one transaction: the resolver sees the inventory
   * and every claim as of this moment, and no other unit of work can run in between.
   */
  insertClaiming(plan: ClaimPlanner<{ vnf: VnfEntity }>): Promise<{ vnf: VnfEntity; allocations: Allocation[] }> {
    return this.transaction(async (manager) => {
      const { vnf, allocations } = plan(await loadDeviceState(manager));
      try {
        await manager.insert(VnfEntity, vnf);
      } catch (error) {
        if (isUniqueViolation(error)) throw new VnfNameTakenError(vnf.name);
        throw error;
      }
      await this.writeClaims(manager, vnf.id, allocations, []);
      return { vnf, allocations };
    });
  }

  /**
   * Replaces a VNF's spec and re-claims its devices in one transaction. Devices the new spec no
   * longer uses stay held (slot null) until the old domain has let go of them.
   */
  replaceClaiming(id: string, plan: ClaimPlanner<{ changes: Partial<Omit<VnfEntity, 'id'>> }>): Promise<Allocation[]> {
    return this.transaction(async (manager) => {
      const { changes, allocations } = plan(await loadDeviceState(manager));
      await manager.update(VnfEntity, { id }, { ...changes, updatedAt: new Date().toISOString() });
      await this.writeClaims(manager, id, allocations, await claimsOfVnf(manager, id));
      return allocations;
    });
  }

  /** What the planner would decide now; writes nothing (dry run). */
  preview<T>(plan: ClaimPlanner<T>): Promise<T & { allocations: Allocation[] }> {
    return this.unit(async (manager) => plan(await loadDeviceState(manager)));
  }

  allClaims(): Promise<DeviceClaimEntity[]> {
    return this.unit((manager) => manager.find(DeviceClaimEntity, { order: { deviceKey: 'ASC' } }));
  }

  claimsOf(vnfId: string): Promise<DeviceClaimEntity[]> {
    return this.unit((manager) => claimsOfVnf(manager, vnfId));
  }

  /** Releases the devices a replace dropped, once the domain no longer runs the old definition. */
  releaseDroppedClaims(vnfId: string): Promise<string[]> {
    return this.unit(async (manager) => {
      const dropped = await manager.find(DeviceClaimEntity, { where: { vnfId, slot: IsNull() } });
      if (dropped.length > 0) await manager.delete(DeviceClaimEntity, { vnfId, slot: IsNull() });
      return dropped.map((claim) => claim.deviceKey);
    });
  }

  private async writeClaims(manager: EntityManager, vnfId: string, allocations: Allocation[], held: DeviceClaimEntity[]): Promise<void> {
    const now = new Date().toISOString();
    const wanted = new Set(allocations.map((allocation) => allocation.key));
    for (const claim of held) {
      if (!wanted.has(claim.deviceKey) && claim.slot !== null) await manager.update(DeviceClaimEntity, { deviceKey: claim.deviceKey }, { slot: null });
    }
    const heldKeys = new Set(held.map((claim) => claim.deviceKey));
    for (const allocation of allocations) {
      if (heldKeys.has(allocation.key)) {
        await manager.update(DeviceClaimEntity, { deviceKey: allocation.key }, { slot: allocation.slot });
        continue;
      }
      try {
        await manager.insert(DeviceClaimEntity, { deviceKey: allocation.key, vnfId, slot: allocation.slot, kind: allocation.kind, name: allocation.name, claimedAt: now });
      } catch (error) {
        if (isUniqueViolation(error)) throw new DeviceClaimConflictError(allocation.key);
        throw error;
      }
    }
  }

  /** Updates the given columns of one VNF, stamping updatedAt. */
  update(id: string, changes: Partial<Omit<VnfEntity, 'id'>>): Promise<void> {
    return this.unit(async (manager) => {
      await manager.update(VnfEntity, { id }, { ...changes, updatedAt: new Date().toISOString() });
    });
  }

  /**
   * Routine status writes of a reconcile pass, in one transaction; a row changed since the pass
   * read it (its `updatedAt` moved) is left alone, so a late batch never overwrites an API write.
   */
  updateManyIfUnchanged(updates: ReadonlyArray<{ id: string; updatedAt: string; changes: Partial<Omit<VnfEntity, 'id'>> }>): Promise<void> {
    if (updates.length === 0) return Promise.resolve();
    return this.transaction(async (manager) => {
      const now = new Date().toISOString();
      for (const { id, updatedAt, changes } of updates) await manager.update(VnfEntity, { id, updatedAt }, { ...changes, updatedAt: now });
    });
  }

  delete(id: string): Promise<void> {
    return this.unit(async (manager) => {
      await manager.delete(VnfEntity, { id });
    });
  }

  private unit<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.queue.run(() => work(this.dataSource.manager));
  }

  private transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.queue.run(() => this.dataSource.transaction(work));
  }
}
