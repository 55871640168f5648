import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import type { HostDeviceKind } from '../../../../libs/host-devices/src/index.js';
import { ProblemException } from '../common/problem.js';
import { HostDeviceInventory } from './host-device-inventory.service.js';

const KINDS: readonly HostDeviceKind[] = ['pci', 'platform', 'fsl-mc'];

@Controller('host-devices')
export class HostDevicesController {
  constructor(private readonly inventory: HostDeviceInventory) {}

  /** `?type=pci|platform|fsl-mc`, `?assignable=true|false`. */
  @Get()
  async list(@Query('type') type: string | undefined, @Query('assignable') assignable: string | undefined) {
    if (type !== undefined && !KINDS.includes(type as HostDeviceKind)) {
      throw ProblemException.invalidRequest([{ field: 'type', reason: `must be one of: ${KINDS.join(', ')}` }]);
    }
    if (assignable !== undefined && assignable !== 'true' && assignable !== 'false') {
      throw ProblemException.invalidRequest([{ field: 'assignable', reason: 'must be true or false' }]);
    }
    const items = await this.inventory.list({
      ...(type === undefined ? {} : { kind: type as HostDeviceKind }),
      ...(assignable === undefined ? {} : { assignable: assignable === 'true' }),
    });
    return { items };
  }

  @Post('rescan')
  @HttpCode(200)
  rescan() {
    return this.inventory.rescan();
  }
}
