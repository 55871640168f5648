import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post, Put, Query, Req, Res, UseInterceptors } from '@nestjs/common';
import type { Request, Response } from 'express';
import { VnfmError } from '../../../../libs/core/src/index.js';
import { LABEL_KEY, LABEL_VALUE, VNF_NAME } from '../../../../libs/vnf/src/index.js';
import { QueryParams, RequestChecks, repeatable } from '../common/query-params.js';
import { VNF_PHASES, type VnfPhase } from '../../../../libs/inventory/src/index.js';
import { Access, requireScope } from '../security/access.js';
import { AuditInterceptor } from '../security/audit.js';
import { RedactionInterceptor } from '../security/redaction.interceptor.js';
import { MAX_PAGE_SIZE, VnfUseCases, type LabelSelector } from '../../../../libs/use-cases/src/index.js';

/** `?flag=true|false` (absent: false); anything else is a 400 naming the parameter. */
function booleanQuery(parameter: string, value: string | undefined): boolean {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw VnfmError.invalid([{ field: parameter, reason: 'must be true or false' }]);
}

/** `?label=site=edge-1&label=tier` -> [[site, edge-1], [tier, undefined]] (every one must match). */
function labelSelectors(value: string | string[] | undefined): LabelSelector[] {
  const items = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return items.map((item) => {
    const [key = '', ...rest] = item.split('=');
    const wanted = rest.length === 0 ? undefined : rest.join('=');
    if (!LABEL_KEY.test(key) || (wanted !== undefined && !LABEL_VALUE.test(wanted))) {
      throw VnfmError.invalid([{ field: 'label', reason: `'${item.slice(0, 80)}' is not key or key=value with a valid label key and value` }]);
    }
    return [key, wanted];
  });
}

/** `?limit=1..1000` (absent: the default page size). */
function pageLimit(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[0-9]{1,4}$/.test(value) || Number(value) < 1 || Number(value) > MAX_PAGE_SIZE) {
    throw VnfmError.invalid([{ field: 'limit', reason: `must be a whole number from 1 to ${MAX_PAGE_SIZE}` }]);
  }
  return Number(value);
}

function phaseQuery(value: string | undefined): VnfPhase | undefined {
  if (value === undefined) return undefined;
  if (!(VNF_PHASES as readonly string[]).includes(value)) throw VnfmError.invalid([{ field: 'phase', reason: `must be one of ${VNF_PHASES.join(', ')}` }]);
  return value as VnfPhase;
}

function checkedName(name: string): string {
  if (!VNF_NAME.test(name)) throw new VnfmError('not-found', `no VNF named '${name.slice(0, 80)}'`);
  return name;
}

@Controller('vnfs')
@RequestChecks()
@Access('read')
@UseInterceptors(AuditInterceptor, RedactionInterceptor)
export class VnfsController {
  constructor(private readonly vnfs: VnfUseCases) {}

  @Post()
  @Access('write')
  @QueryParams('dryRun')
  async create(@Body() body: unknown, @Query('dryRun') dryRun: string | undefined, @Res({ passthrough: true }) response: Response) {
    const result = await this.vnfs.create(body, { dryRun: booleanQuery('dryRun', dryRun) });
    if ('dryRun' in result) {
      response.status(200);
      return result.dryRun;
    }
    response.status(201).location(`/api/v1/vnfs/${result.created.name}`);
    return result.created;
  }

  /** Create (201) or replace (200) with the same validation as POST. */
  @Put(':name')
  @Access('write')
  async put(@Param('name') name: string, @Body() body: unknown, @Res({ passthrough: true }) response: Response) {
    const result = await this.vnfs.put(checkedName(name), body);
    if ('created' in result) {
      response.status(201).location(`/api/v1/vnfs/${result.created.name}`);
      return result.created;
    }
    response.status(200);
    return result.replaced;
  }

  /**
   * VNFs by name, a page at a time: `?limit=` (1..1000, default 100), `?cursor=` (the previous
   * page's `nextCursor`), `?phase=`, `?label=key=value` (repeatable; `?label=key` for presence;
   * every one must match). Answers `{ items, nextCursor }`, `nextCursor` null on the last page.
   */
  @Get()
  @QueryParams(repeatable('label'), 'limit', 'cursor', 'phase')
  list(
    @Query('label') label: string | string[] | undefined,
    @Query('limit') limit: string | undefined,
    @Query('cursor') cursor: string | undefined,
    @Query('phase') phase: string | undefined,
  ) {
    return this.vnfs.list({ labels: labelSelectors(label), limit: pageLimit(limit), cursor, phase: phaseQuery(phase) });
  }

  @Get(':name')
  get(@Param('name') name: string) {
    return this.vnfs.get(checkedName(name));
  }

  @Delete(':name')
  @Access('write')
  @HttpCode(202)
  delete(@Param('name') name: string) {
    return this.vnfs.delete(checkedName(name));
  }

  @Post(':name/start')
  @Access('write')
  @HttpCode(202)
  start(@Param('name') name: string) {
    return this.vnfs.setPowerState(checkedName(name), 'running');
  }

  @Post(':name/stop')
  @Access('write')
  @HttpCode(202)
  stop(@Param('name') name: string) {
    return this.vnfs.setPowerState(checkedName(name), 'stopped');
  }

  @Post(':name/reboot')
  @Access('write')
  @HttpCode(202)
  reboot(@Param('name') name: string) {
    return this.vnfs.reboot(checkedName(name));
  }

  /** What happened to the VNF, oldest first. */
  @Get(':name/events')
  async events(@Param('name') name: string) {
    return { items: await this.vnfs.eventsOf(checkedName(name)) };
  }

  @Get(':name/domain.xml')
  @QueryParams('live')
  @Header('Content-Type', 'application/xml; charset=utf-8')
  domainXml(@Param('name') name: string, @Query('live') live: string | undefined, @Req() request: Request) {
    const wantsLive = booleanQuery('live', live);
    // libvirt's own XML names host paths (sockets, logs, device nodes): admin only.
    if (wantsLive) requireScope(request, 'admin');
    return wantsLive ? this.vnfs.liveXml(checkedName(name)) : this.vnfs.desiredXml(checkedName(name));
  }
}
