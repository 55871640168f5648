import { Body, Controller, Delete, Get, Header, HttpCode, Param, ParseBoolPipe, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { VNF_NAME } from '../../../../libs/vnf/src/index.js';
import { ProblemException } from '../common/problem.js';
import { VnfsService } from './vnfs.service.js';

function checkedName(name: string): string {
  if (!VNF_NAME.test(name)) throw ProblemException.notFound(`no VNF named '${name.slice(0, 80)}'`);
  return name;
}

@Controller('vnfs')
export class VnfsController {
  constructor(private readonly vnfs: VnfsService) {}

  @Post()
  async create(@Body() body: unknown, @Res({ passthrough: true }) response: Response) {
    const view = await this.vnfs.create(body);
    response.status(201).location(`/api/v1/vnfs/${view.name}`);
    return view;
  }

  @Get()
  async list() {
    return { items: await this.vnfs.list() };
  }

  @Get(':name')
  get(@Param('name') name: string) {
    return this.vnfs.get(checkedName(name));
  }

  @Delete(':name')
  @HttpCode(202)
  delete(@Param('name') name: string) {
    return this.vnfs.delete(checkedName(name));
  }

  @Get(':name/domain.xml')
  @Header('Content-Type', 'application/xml; charset=utf-8')
  domainXml(@Param('name') name: string, @Query('live', new ParseBoolPipe({ optional: true })) live?: boolean) {
    return live ? this.vnfs.liveXml(checkedName(name)) : this.vnfs.desiredXml(checkedName(name));
  }
}
