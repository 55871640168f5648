import type { DataSource } from 'typeorm';
import type { DbQueue } from './db-queue.js';
import { VnfEventEntity } from './vnf-event.entity.js';

/** Events kept per VNF; older ones are pruned on insert. */
export const EVENTS_KEPT_PER_VNF = 200;

export class VnfEventRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: DbQueue,
  ) {}

  record(vnfId: string, vnfName: string, type: string, message: string): Promise<void> {
    return this.queue.run(async () => {
      const manager = this.dataSource.manager;
      await manager.insert(VnfEventEntity, { vnfId, vnfName, type, message: message.slice(0, 4000), at: new Date().toISOString() });
      await manager.query(
        `DELETE FROM "vnf_event" WHERE "vnf_id" = ? AND "id" NOT IN (SELECT "id" FROM "vnf_event" WHERE "vnf_id" = ? ORDER BY "id" DESC LIMIT ?)`,
        [vnfId, vnfId, EVENTS_KEPT_PER_VNF],
      );
    });
  }

  /** Newest last. */
  list(vnfId: string, limit = EVENTS_KEPT_PER_VNF): Promise<VnfEventEntity[]> {
    return this.queue.run(async () =>
      (await this.dataSource.manager.find(VnfEventEntity, { where: { vnfId }, order: { id: 'DESC' }, take: limit })).reverse(),
    );
  }
}
