import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { VnfmError } from '../../../../libs/core/src/index.js';
import { QueryParams, RequestChecks } from '../common/query-params.js';
import { Access } from '../security/access.js';
import { identityOf } from '../security/request-identity.js';
import { booleanQuery, checkedName } from '../vnfs/vnf-params.js';
import { ConsoleSessions } from './console-sessions.js';
import { checkWebSocketHandshake, takeOver, upgradeOf } from './upgrade.js';

/**
 * `GET /api/v1/vnfs/{name}/console` with `Upgrade: websocket`: the guest's serial console as a
 * WebSocket (binary frames both ways, raw bytes). It passes the same middleware and guards as
 * every route (Host, Origin, token or certificate, `write` scope) before anything is opened;
 * every refusal is plain HTTP problem+json: 426 without a WebSocket upgrade, 404 no such VNF,
 * 409 `vnf-not-running` / `console-busy`, 503 libvirtd away.
 */
@Controller('vnfs')
@RequestChecks()
export class ConsoleController {
  constructor(private readonly sessions: ConsoleSessions) {}

  @Get(':name/console')
  @Access('write')
  @QueryParams('force')
  async console(@Param('name') name: string, @Query('force') force: string | undefined, @Req() request: Request, @Res() response: Response): Promise<void> {
    const vnf = checkedName(name);
    const takeItOver = booleanQuery('force', force);
    if (upgradeOf(request) === null) {
      response.setHeader('Upgrade', 'websocket');
      throw new VnfmError('upgrade-required', 'this route is a WebSocket: send Upgrade: websocket (vnfctl console NAME does)');
    }
    checkWebSocketHandshake(request);
    await this.sessions.attach(vnf, {
      force: takeItOver,
      identity: identityOf(request),
      request,
      // Detached from the HTTP response only once every check passed: then the socket is the console's.
      upgrade: { ...upgradeOf(request)!, detach: () => takeOver(request, response) },
    });
  }
}
