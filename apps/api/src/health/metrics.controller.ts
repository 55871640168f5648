import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { VNFM_CONFIG, type VnfmConfig } from '../../../../libs/config/src/index.js';
import { RequestChecks } from '../common/query-params.js';
import { StateMetrics } from '../metrics/state-metrics.js';
import { Access, requireScope } from '../security/access.js';

@Controller()
@RequestChecks()
export class MetricsController {
  constructor(
    private readonly state: StateMetrics,
    @Inject(VNFM_CONFIG) private readonly config: VnfmConfig,
  ) {}

  /**
   * Prometheus exposition (prom-client): VNFs by phase, sync, devices, the database, libvirt,
   * histograms of passes, actions, libvirt calls and HTTP requests, and every VNF's domain
   * counters (CPU, memory, NICs, disks) from one libvirt stats call per scrape.
   */
  @Get('metrics')
  @Access('public')
  async metrics(@Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<string> {
    // A read token, unless VNFM_METRICS_PUBLIC=true lets a scraper in without one.
    if (!this.config.VNFM_METRICS_PUBLIC) requireScope(request, 'read');
    const text = await this.state.exposition();
    response.setHeader('Content-Type', this.state.contentType);
    return text;
  }
}
