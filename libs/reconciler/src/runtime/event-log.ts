import type { VnfEventRepository } from '../../../inventory/src/index.js';

/** A log line; `fields.vnf` names the VNF it is about. */
export type Log = (level: 'log' | 'warn' | 'error', message: string, fields?: { vnf?: string }) => void;

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

  /** For what happens after the VNF's events are gone with it (its deletion). */
  logOnly(vnf: { id: string; name: string }, type: string, message: string): void {
    this.log('log', `${vnf.name}: ${type}: ${message}`, { vnf: vnf.name });
  }
}
