import { Controller, Get, HttpCode, Inject, Req } from '@nestjs/common';
import type { Request } from 'express';
import { grants } from '../../../../libs/auth/src/index.js';
import { Database } from '../../../../libs/inventory/src/index.js';
import { LIBVIRT_PORT, type LibvirtPort } from '../../../../libs/libvirt/src/index.js';
import { ProblemException } from '../common/problem.js';
import { RequestChecks } from '../common/query-params.js';
import { Access } from '../security/access.js';
import { identityOf } from '../security/request-identity.js';

@Controller()
@RequestChecks()
@Access('public')
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

  /**
   * Ready to act: the database takes writes and every libvirt connection (VMs, containers) is up;
   * if not, which. Public (a probe has no token), so the reasons (SQLite's text, the libvirt URIs)
   * go only to admin tokens; anyone sees which kind of connection (`vm`, `container`) is down.
   */
  @Get('readyz')
  readyz(@Req() request: Request) {
    const identity = identityOf(request);
    const admin = identity !== null && grants(identity.scopes, 'admin');
    const states = this.libvirt.connectionStates();
    const down = states.filter((connection) => !connection.connected);
    const connections = states.map(({ uri, kind, connected }) => (admin ? { uri, kind, connected } : { kind, connected }));
    const checks = { database: this.db.health.writable, libvirt: down.length === 0, connections };
    if (!checks.database || !checks.libvirt) {
      const reasons = [
        ...(checks.database ? [] : [`database unavailable${admin && this.db.health.reason ? ` (${this.db.health.reason})` : ''}`]),
        ...(checks.libvirt ? [] : [`libvirt unavailable${admin ? ` (${down.map((connection) => connection.uri).join(', ')})` : ''}`]),
      ];
      throw new ProblemException({
        type: 'https://vnfm.dev/problems/not-ready',
        title: 'Not ready',
        status: 503,
        detail: `not ready: ${reasons.join(', ')}`,
        checks,
      });
    }
    return { status: 'ready', checks, ...(admin ? { libvirtUri: this.libvirt.uri } : {}) };
  }
}
