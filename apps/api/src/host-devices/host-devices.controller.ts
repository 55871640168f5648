import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { VnfmError } from '../../../../libs/core/src/index.js';
import type { HostDeviceKind } from '../../../../libs/host-devices/src/index.js';
import { QueryParams, RequestChecks } from '../common/query-params.js';
import { Access } from '../security/access.js';
import { HostDeviceInventory } from './host-device-inventory.service.js';

const KINDS: readonly HostDeviceKind[] = ['pci', 'platform', 'fsl-mc', 'netdev'];

@Controller('host-devices')
@RequestChecks()
export class HostDevicesController {
  constructor(private readonly inventory: HostDeviceInventory) {}

  /** `?type=pci|platform|fsl-mc|netdev`, `?assignable=true|false`. */
  @Get()
  @Access('read')
  @QueryParams('type', 'assignable')
  async list(@Query('type') type: string | undefined, @Query('assignable') assignable: string | undefined) {
    if (type !== undefined && !KINDS.includes(type as HostDeviceKind)) {
      throw VnfmError.invalid([{ field: 'type', reason: `must be one of: ${KINDS.join(', ')}` }]);
    }
    if (assignable !== undefined && assignable !== 'true' && assignable !== 'false') {
      throw VnfmError.invalid([{ field: 'assignable', reason: 'must be true or false' }]);
    }
    const items = await this.inventory.list({
      ...(type === undefined ? {} : { kind: type as HostDeviceKind }),
      ...(assignable === undefined ? {} : { assignable: assignable === 'true' }),
    });
    return { items };
  }

  @Post('rescan')
  @Access('admin')
  @HttpCode(200)
  rescan() {
    return this.inventory.rescan();
  }
}
