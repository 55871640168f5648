import { Controller, Get } from '@nestjs/common';
import { RequestChecks } from '../common/query-params.js';
import { HostService } from './host.service.js';

@Controller('host')
@RequestChecks()
export class HostController {
  constructor(private readonly host: HostService) {}

  @Get()
  describe() {
    return this.host.describe();
  }
}
