import { Controller, Get } from '@nestjs/common';
import { RequestChecks } from '../common/query-params.js';
import { Access } from '../security/access.js';
import { HostService } from './host.service.js';

@Controller('host')
@RequestChecks()
export class HostController {
  constructor(private readonly host: HostService) {}

  /** Host facts and preflight warnings: paths, emulators, drivers (admin). */
  @Get()
  @Access('admin')
  describe() {
    return this.host.describe();
  }
}
