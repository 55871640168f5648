import { Controller, Get, HttpCode, Inject } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { LIBVIRT_PORT, type LibvirtPort } from '../../../../libs/libvirt/src/index.js';
import { ProblemException } from '../common/problem.js';

@Controller()
export class HealthController {
  constructor(
    @Inject(LIBVIRT_PORT) private readonly libvirt: LibvirtPort,
    private readonly dataSource: DataSource,
  ) {}

  /** The process is up and serving. */
  @Get('healthz')
  @HttpCode(200)
  healthz() {
    return { status: 'ok' };
  }

  /** Ready to act: the database is open and libvirtd is connected. */
  @Get('readyz')
  readyz() {
    const checks = { database: this.dataSource.isInitialized, libvirt: this.libvirt.isConnected() };
    if (!checks.database || !checks.libvirt) {
      const missing = Object.entries(checks).filter(([, ok]) => !ok).map(([name]) => name);
      throw new ProblemException({
        type: 'https://vnfm.dev/problems/not-ready',
        title: 'Not ready',
        status: 503,
        detail: `not ready: ${missing.join(', ')} unavailable${checks.libvirt ? '' : ` (libvirt ${this.libvirt.uri})`}`,
        checks,
      });
    }
    return { status: 'ready', checks, libvirtUri: this.libvirt.uri };
  }
}
