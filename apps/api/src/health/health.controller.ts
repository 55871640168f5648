import { Controller, Get, HttpCode, Inject } from '@nestjs/common';
import { Database } from '../../../../libs/inventory/src/index.js';
import { LIBVIRT_PORT, type LibvirtPort } from '../../../../libs/libvirt/src/index.js';
import { ProblemException } from '../common/problem.js';
import { RequestChecks } from '../common/query-params.js';

@Controller()
@RequestChecks()
export class HealthController {
  constructor(
    @Inject(LIBVIRT_PORT) private readonly libvirt: LibvirtPort,
    private readonly db: Database,
  ) {}

  /** The process is up and serving. */
  @Get('healthz')
  @HttpCode(200)
  healthz() {
    return { status: 'ok' };
  }

  /** Ready to act: the database takes writes and every libvirt connection is up; if not, which and why. */
  @Get('readyz')
  readyz() {
    const connections = this.libvirt.connectionStates();
    const down = connections.filter((connection) => !connection.connected);
    const checks = { database: this.db.health.writable, libvirt: down.length === 0, connections };
    if (!checks.database || !checks.libvirt) {
      const reasons = [
        ...(checks.database ? [] : [`database unavailable${this.db.health.reason ? ` (${this.db.health.reason})` : ''}`]),
        ...(checks.libvirt ? [] : [`libvirt unavailable (${down.map((connection) => connection.uri).join(', ')})`]),
      ];
      throw new ProblemException({
        type: 'https://vnfm.dev/problems/not-ready',
        title: 'Not ready',
        status: 503,
        detail: `not ready: ${reasons.join(', ')}`,
        checks,
      });
    }
    return { status: 'ready', checks, libvirtUri: this.libvirt.uri };
  }
}
