import { Controller, Get } from '@nestjs/common';
import { HostService } from './host.service.js';

@Controller('host')
export class HostController {
  constructor(private readonly host: HostService) {}

  @Get()
  describe() {
    return this.host.describe();
  }
}
