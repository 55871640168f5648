import type { DataSource, EntityManager } from 'typeorm';
import type { DbQueue } from './db-queue.js';
import { VnfEntity } from './vnf.entity.js';

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

  /** Updates the given columns of one VNF, stamping updatedAt. */
  update(id: string, changes: Partial<Omit<VnfEntity, 'id'>>): Promise<void> {
    return this.unit(async (manager) => {
      await manager.update(VnfEntity, { id }, { ...changes, updatedAt: new Date().toISOString() });
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
}
