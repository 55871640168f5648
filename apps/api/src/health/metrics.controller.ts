import { Controller, Get, Header, Inject, Req } from '@nestjs/common';
import type { Request } from 'express';
import { VNFM_CONFIG, type VnfmConfig } from '../../../../libs/config/src/index.js';
import { Database, HostDeviceRepository, VnfRepository } from '../../../../libs/inventory/src/index.js';
import { LIBVIRT_PORT, type LibvirtPort } from '../../../../libs/libvirt/src/index.js';
import { RequestChecks } from '../common/query-params.js';
import { Access, requireScope } from '../security/access.js';
import { Reconciler } from '../../../../libs/reconciler/src/index.js';

type Sample = [labels: Record<string, string>, value: number];

/** Prometheus text exposition (version 0.0.4) of one metric family. */
function family(name: string, type: 'gauge' | 'counter', help: string, samples: Sample[]): string {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
  for (const [labels, value] of samples) {
    const rendered = Object.entries(labels).map(([key, text]) => `${key}="${text.replace(/["\\\n]/g, '_')}"`);
    lines.push(`${name}${rendered.length > 0 ? `{${rendered.join(',')}}` : ''} ${value}`);
  }
  return lines.join('\n');
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

const PHASES = ['Pending', 'Provisioning', 'Running', 'Stopped', 'Failed', 'Deleting'];

@Controller()
@RequestChecks()
export class MetricsController {
  constructor(
    private readonly vnfs: VnfRepository,
    private readonly devices: HostDeviceRepository,
    private readonly reconciler: Reconciler,
    private readonly db: Database,
    @Inject(LIBVIRT_PORT) private readonly libvirt: LibvirtPort,
    @Inject(VNFM_CONFIG) private readonly config: VnfmConfig,
  ) {}

  /** What an operator graphs and alerts on: VNFs by phase, sync, devices, libvirt, passes. */
  @Get('metrics')
  @Access('public')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async metrics(@Req() request: Request): Promise<string> {
    // A read token, unless VNFM_METRICS_PUBLIC=true lets a scraper in without one.
    if (!this.config.VNFM_METRICS_PUBLIC) requireScope(request, 'read');
    const rows = this.vnfs.list();
    const claims = this.vnfs.allClaims();
    const { devices } = this.devices.state();
    const phases = countBy(rows, (row) => row.phase);
    const stats = this.reconciler.stats;
    const deviceCounts = countBy(devices, (device) => `${device.facts.kind}|${device.present}`);
    return `${[
      family('vnfm_vnfs', 'gauge', 'VNFs by phase.', PHASES.map((phase) => [{ phase }, phases.get(phase) ?? 0])),
      family('vnfm_vnfs_in_sync', 'gauge', 'VNFs whose last reconcile found nothing to do.', [[{}, rows.filter((row) => row.inSync).length]]),
      family('vnfm_vnfs_restart_required', 'gauge', 'VNFs running an older definition (update strategy OnRestart).', [[{}, rows.filter((row) => row.restartRequired).length]]),
      family('vnfm_vnf_action_failures', 'gauge', 'Consecutive failed libvirt actions per VNF in backoff.', rows.filter((row) => row.failureCount > 0).map((row) => [{ vnf: row.name }, row.failureCount])),
      family('vnfm_vnfs_failed', 'gauge', 'VNFs whose last error is this code.', [...countBy(rows.filter((row) => row.lastError !== null || row.specProblem !== null), (row) => (row.specProblem ? 'spec-unreadable' : row.lastError!.code))].map(([code, count]) => [{ code }, count])),
      family('vnfm_reconcile_errors_total', 'counter', 'Reconciles that failed, by error code, whatever triggered them.', [...stats.errors].map(([code, count]) => [{ code }, count])),
      family('vnfm_reconcile_queue_depth', 'gauge', 'VNF keys waiting or being reconciled.', [[{}, this.reconciler.queueDepth]]),
      family('vnfm_database_writable', 'gauge', '1 while the database commits writes.', [[{}, this.db.health.writable ? 1 : 0]]),
      family('vnfm_database_commits_total', 'counter', 'Committed write batches.', [[{}, this.db.stats.commits]]),
      family('vnfm_database_failed_commits_total', 'counter', 'Write batches the database could not commit.', [[{}, this.db.stats.failedCommits]]),
      family('vnfm_host_devices', 'gauge', 'Inventoried host devices by kind and presence.', [...deviceCounts].map(([key, count]) => {
        const [kind = '', present = ''] = key.split('|');
        return [{ kind, present }, count];
      })),
      family('vnfm_device_claims', 'gauge', 'Host devices held by VNFs.', [[{}, claims.length]]),
      // By kind only: a URI can name users, hosts and socket paths, and a read token scrapes this.
      family('vnfm_libvirt_connected', 'gauge', '1 while the libvirt connection is up.', this.libvirt.connectionStates().map((connection) => [{ kind: connection.kind }, connection.connected ? 1 : 0])),
      family('vnfm_reconcile_passes_total', 'counter', 'Full reconcile passes completed.', [[{}, stats.passes]]),
      family('vnfm_reconcile_runs_total', 'counter', 'Reconciles of one VNF, whatever triggered them.', [[{}, stats.runs]]),
      family('vnfm_reconcile_pass_failures_total', 'counter', 'Full reconcile passes that could not run (libvirt away, list failed).', [[{}, stats.failedPasses]]),
      family('vnfm_reconcile_last_pass_seconds', 'gauge', 'Duration of the last completed pass.', stats.lastPassSeconds === null ? [] : [[{}, stats.lastPassSeconds]]),
    ].join('\n')}\n`;
  }
}
