import type { VnfEventRepository } from '../../../inventory/src/index.js';

/** A log line; `fields.vnf` names the VNF it is about. */
export type Log = (level: 'log' | 'warn' | 'error', message: string, fields?: { vnf?: string }) => void;

export interface EventBatch {
  record(type: string, message: string): void;
  /** Drops what is not stored yet (the VNF and its events are being forgotten). */
  discard(): void;
  flush(): Promise<void>;
}

/** Records what happened to a VNF, in its event table and in the log. */
export class VnfEventLog {
  constructor(
    private readonly events: VnfEventRepository,
    private readonly log: Log,
  ) {}

  async record(vnf: { id: string; name: string }, type: string, message: string): Promise<void> {
    this.log('log', `${vnf.name}: ${type}: ${message}`, { vnf: vnf.name });
    await this.events.record(vnf.id, vnf.name, type, message);
  }

  /**
   * Events told now (logged at once) and stored together by `flush`, in one commit with whatever
   * else is written beside it (a reconcile's status), instead of one commit each.
   */
  batch(vnf: { id: string; name: string }): EventBatch {
    const told: Array<{ type: string; message: string; at: string }> = [];
    return {
      record: (type, message) => {
        this.log('log', `${vnf.name}: ${type}: ${message}`, { vnf: vnf.name });
        told.push({ type, message, at: new Date().toISOString() });
      },
      discard: () => {
        told.length = 0;
      },
      flush: () => (told.length === 0 ? Promise.resolve() : this.events.recordMany(vnf.id, vnf.name, told.splice(0))),
    };
  }

  /** For what happens after the VNF's events are gone with it (its deletion). */
  logOnly(vnf: { id: string; name: string }, type: string, message: string): void {
    this.log('log', `${vnf.name}: ${type}: ${message}`, { vnf: vnf.name });
  }
}
