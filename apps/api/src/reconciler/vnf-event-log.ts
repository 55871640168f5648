import { Injectable, Logger } from '@nestjs/common';
import { VnfEventRepository } from '../../../../libs/inventory/src/index.js';

/** Records what happened to a VNF, in its event table and in the log. */
@Injectable()
export class VnfEventLog {
  private readonly logger = new Logger('VnfEvents');

  constructor(private readonly events: VnfEventRepository) {}

  async record(vnf: { id: string; name: string }, type: string, message: string): Promise<void> {
    this.logger.log(`${vnf.name}: ${type}: ${message}`);
    await this.events.record(vnf.id, vnf.name, type, message);
  }
}
