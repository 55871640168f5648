import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post, Put, Query, Req, Res, UseInterceptors } from '@nestjs/common';
import type { Request, Response } from 'express';
import { VnfmError } from '../../../../libs/core/src/index.js';
import { labelSelectors } from './label-selectors.js';
import { booleanQuery, checkedName } from './vnf-params.js';
import { idempotencyKeyOf, ifMatchOf, setEtag } from '../common/preconditions.js';
import { QueryParams, RequestChecks, repeatable } from '../common/query-params.js';
import { VNF_PHASES, type VnfPhase } from '../../../../libs/inventory/src/index.js';
import { Access, requireScope } from '../security/access.js';
import { AuditInterceptor } from '../security/audit.js';
import { RedactionInterceptor } from '../security/redaction.interceptor.js';
import { identityOf } from '../security/request-identity.js';
import { PageAnswers } from './page-answers.js';
import { MAX_PAGE_SIZE, VnfUseCases, type LabelSelector } from '../../../../libs/use-cases/src/index.js';

function withEtag<T extends Parameters<typeof setEtag>[1]>(response: Response, vnf: T): T {
  setEtag(response, vnf);
  return vnf;
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

@Controller('vnfs')
@RequestChecks()
@Access('read')
@UseInterceptors(AuditInterceptor, RedactionInterceptor)
export class VnfsController {
  private readonly pages: PageAnswers;

  constructor(private readonly vnfs: VnfUseCases) {
    this.pages = new PageAnswers(vnfs);
  }

  @Post()
  @Access('write')
  @QueryParams('dryRun')
  async create(@Body() body: unknown, @Query('dryRun') dryRun: string | undefined, @Req() request: Request, @Res({ passthrough: true }) response: Response) {
    const idempotencyKey = idempotencyKeyOf(request);
    const result = await this.vnfs.create(body, { dryRun: booleanQuery('dryRun', dryRun), ...(idempotencyKey === undefined ? {} : { idempotencyKey }) });
    if ('dryRun' in result) {
      response.status(200);
      return result.dryRun;
    }
    response.status(201).location(`/api/v1/vnfs/${result.created.name}`);
    if (result.replayed) response.setHeader('Idempotent-Replayed', 'true');
    setEtag(response, result.created);
    return result.created;
  }

  /** Create (201) or replace (200) with the same validation as POST; `?dryRun=true`: what it would store and define (200), nothing written. */
  @Put(':name')
  @Access('write')
  @QueryParams('dryRun')
  async put(@Param('name') name: string, @Body() body: unknown, @Query('dryRun') dryRun: string | undefined, @Req() request: Request, @Res({ passthrough: true }) response: Response) {
    const ifMatch = ifMatchOf(request);
    const result = await this.vnfs.put(checkedName(name), body, { dryRun: booleanQuery('dryRun', dryRun), ...(ifMatch === undefined ? {} : { ifMatch }) });
    if ('dryRun' in result) {
      response.status(200);
      return result.dryRun;
    }
    if ('created' in result) {
      response.status(201).location(`/api/v1/vnfs/${result.created.name}`);
      setEtag(response, result.created);
      return result.created;
    }
    response.status(200);
    setEtag(response, result.replaced);
    return result.replaced;
  }

  /**
   * VNFs by name, a page at a time: `?limit=` (1..1000, default 100), `?cursor=` (the previous
   * page's `nextCursor`), `?phase=`, `?label=key=value` (repeatable; `?label=key` for presence;
   * every one must match). Answers `{ items, nextCursor }`, `nextCursor` null on the last page.
   */
  @Get()
  @QueryParams(repeatable('label'), 'limit', 'cursor', 'phase')
  async list(
    @Query('label') label: string | string[] | undefined,
    @Query('limit') limit: string | undefined,
    @Query('cursor') cursor: string | undefined,
    @Query('phase') phase: string | undefined,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<string> {
    // Redacted and serialized here (PageAnswers keeps recent answers): the body is JSON text.
    const json = await this.pages.json({ labels: labelSelectors(label), limit: pageLimit(limit), cursor, phase: phaseQuery(phase) }, identityOf(request));
    response.type('application/json');
    return json;
  }

  @Get(':name')
  async get(@Param('name') name: string, @Res({ passthrough: true }) response: Response) {
    return withEtag(response, await this.vnfs.get(checkedName(name)));
  }

  /** 202; with `If-Match`, only while the VNF is still at that ETag (else 412, nothing done). */
  @Delete(':name')
  @Access('write')
  @HttpCode(202)
  async delete(@Param('name') name: string, @Req() request: Request, @Res({ passthrough: true }) response: Response) {
    const ifMatch = ifMatchOf(request);
    return withEtag(response, await this.vnfs.delete(checkedName(name), ifMatch === undefined ? {} : { ifMatch }));
  }

  @Post(':name/start')
  @Access('write')
  @HttpCode(202)
  async start(@Param('name') name: string, @Res({ passthrough: true }) response: Response) {
    return withEtag(response, await this.vnfs.setPowerState(checkedName(name), 'running'));
  }

  @Post(':name/stop')
  @Access('write')
  @HttpCode(202)
  async stop(@Param('name') name: string, @Res({ passthrough: true }) response: Response) {
    return withEtag(response, await this.vnfs.setPowerState(checkedName(name), 'stopped'));
  }

  @Post(':name/reboot')
  @Access('write')
  @HttpCode(202)
  async reboot(@Param('name') name: string, @Res({ passthrough: true }) response: Response) {
    return withEtag(response, await this.vnfs.reboot(checkedName(name)));
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
