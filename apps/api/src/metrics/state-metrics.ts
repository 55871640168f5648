import { Inject, Injectable } from '@nestjs/common';
import { Database, HostDeviceRepository, VnfRepository } from '../../../../libs/inventory/src/index.js';
import { LIBVIRT_PORT, type DomainFigures, type LibvirtPort } from '../../../../libs/libvirt/src/index.js';
import { Reconciler } from '../../../../libs/reconciler/src/index.js';
import { setCounter, setGauge, VnfmMetrics } from './vnfm-metrics.js';

type Sample = [labels: Record<string, string>, value: number];

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

const PHASES = ['Pending', 'Provisioning', 'Running', 'Stopped', 'Failed', 'Deleting'];

/**
 * The figures read at scrape time: VNFs, devices, the database, the reconciler (the names of
 * the hand-written exposition before prom-client, kept), and every VNF's domain counters from
 * one virConnectGetAllDomainStats call.
 */
@Injectable()
export class StateMetrics {
  private readonly vnfsByPhase;
  private readonly inSync;
  private readonly restartRequired;
  private readonly actionFailures;
  private readonly failed;
  private readonly reconcileErrors;
  private readonly queueDepth;
  private readonly writeQueueDepth;
  private readonly dbWritable;
  private readonly commits;
  private readonly failedCommits;
  private readonly hostDevices;
  private readonly claims;
  private readonly connected;
  private readonly passes;
  private readonly runs;
  private readonly passFailures;
  private readonly lastPass;
  private readonly statsUp;
  private readonly cpu;
  private readonly memory;
  private readonly rss;
  private readonly rxBytes;
  private readonly rxPackets;
  private readonly txBytes;
  private readonly txPackets;
  private readonly readBytes;
  private readonly writeBytes;

  constructor(
    private readonly metrics: VnfmMetrics,
    private readonly vnfs: VnfRepository,
    private readonly devices: HostDeviceRepository,
    private readonly reconciler: Reconciler,
    private readonly db: Database,
    @Inject(LIBVIRT_PORT) private readonly libvirt: LibvirtPort,
  ) {
    const m = metrics;
    this.vnfsByPhase = m.gauge('vnfm_vnfs', 'VNFs by phase.', ['phase']);
    this.inSync = m.gauge('vnfm_vnfs_in_sync', 'VNFs whose last reconcile found nothing to do.');
    this.restartRequired = m.gauge('vnfm_vnfs_restart_required', 'VNFs running an older definition (update strategy OnRestart).');
    this.actionFailures = m.gauge('vnfm_vnf_action_failures', 'Consecutive failed libvirt actions per VNF in backoff.', ['vnf']);
    this.failed = m.gauge('vnfm_vnfs_failed', 'VNFs whose last error is this code.', ['code']);
    this.reconcileErrors = m.counter('vnfm_reconcile_errors_total', 'Reconciles that failed, by error code, whatever triggered them.', ['code']);
    this.queueDepth = m.gauge('vnfm_reconcile_queue_depth', 'VNF keys waiting or being reconciled.');
    this.writeQueueDepth = m.gauge('vnfm_database_write_queue_depth', 'Writes waiting for the next commit.');
    this.dbWritable = m.gauge('vnfm_database_writable', '1 while the database commits writes.');
    this.commits = m.counter('vnfm_database_commits_total', 'Committed write batches.');
    this.failedCommits = m.counter('vnfm_database_failed_commits_total', 'Write batches the database could not commit.');
    this.hostDevices = m.gauge('vnfm_host_devices', 'Inventoried host devices by kind and presence.', ['kind', 'present']);
    this.claims = m.gauge('vnfm_device_claims', 'Host devices held by VNFs.');
    // By kind only: a URI can name users, hosts and socket paths, and a read token scrapes this.
    this.connected = m.gauge('vnfm_libvirt_connected', '1 while the libvirt connection is up.', ['kind']);
    this.runs = m.counter('vnfm_reconcile_runs_total', 'Reconciles of one VNF, whatever triggered them.');
    this.passes = m.counter('vnfm_reconcile_passes_total', 'Full reconcile passes completed.');
    this.passFailures = m.counter('vnfm_reconcile_pass_failures_total', 'Full reconcile passes that could not run (libvirt away, list failed).');
    this.lastPass = m.gauge('vnfm_reconcile_last_pass_seconds', 'Duration of the last completed pass.');
    this.statsUp = m.gauge('vnfm_domain_stats_up', '1 when the last scrape read the domains\' stats from libvirt.');
    this.cpu = m.counter('vnfm_domain_cpu_time_seconds_total', 'CPU time the VNF\'s domain used (cpu.time).', ['vnf']);
    this.memory = m.gauge('vnfm_domain_memory_bytes', 'Memory the guest has now (balloon.current).', ['vnf']);
    this.rss = m.gauge('vnfm_domain_memory_rss_bytes', 'Memory the domain\'s QEMU holds on the host (balloon.rss).', ['vnf']);
    this.rxBytes = m.counter('vnfm_domain_interface_receive_bytes_total', 'Bytes received by a guest NIC.', ['vnf', 'device']);
    this.rxPackets = m.counter('vnfm_domain_interface_receive_packets_total', 'Packets received by a guest NIC.', ['vnf', 'device']);
    this.txBytes = m.counter('vnfm_domain_interface_transmit_bytes_total', 'Bytes sent by a guest NIC.', ['vnf', 'device']);
    this.txPackets = m.counter('vnfm_domain_interface_transmit_packets_total', 'Packets sent by a guest NIC.', ['vnf', 'device']);
    this.readBytes = m.counter('vnfm_domain_block_read_bytes_total', 'Bytes read from a guest disk.', ['vnf', 'device']);
    this.writeBytes = m.counter('vnfm_domain_block_write_bytes_total', 'Bytes written to a guest disk.', ['vnf', 'device']);
  }

  /** Reads everything afresh (one libvirt stats call), then answers the exposition text. */
  async exposition(): Promise<string> {
    this.readState();
    await this.readDomains();
    return this.metrics.registry.metrics();
  }

  get contentType(): string {
    return this.metrics.registry.contentType;
  }

  private readState(): void {
    const rows = this.vnfs.list();
    const phases = countBy(rows, (row) => row.phase);
    const stats = this.reconciler.stats;
    const { devices } = this.devices.state();
    setGauge(this.vnfsByPhase, PHASES.map((phase) => [{ phase }, phases.get(phase) ?? 0]));
    setGauge(this.inSync, [[{}, rows.filter((row) => row.inSync).length]]);
    setGauge(this.restartRequired, [[{}, rows.filter((row) => row.restartRequired).length]]);
    setGauge(this.actionFailures, rows.filter((row) => row.failureCount > 0).map((row) => [{ vnf: row.name }, row.failureCount]));
    const failing = rows.filter((row) => row.lastError !== null || row.specProblem !== null);
    setGauge(this.failed, [...countBy(failing, (row) => (row.specProblem ? 'spec-unreadable' : row.lastError!.code))].map(([code, count]) => [{ code }, count]));
    setCounter(this.reconcileErrors, [...stats.errors].map(([code, count]) => [{ code }, count]));
    setGauge(this.queueDepth, [[{}, this.reconciler.queueDepth]]);
    setGauge(this.writeQueueDepth, [[{}, this.db.queued]]);
    setGauge(this.dbWritable, [[{}, this.db.health.writable ? 1 : 0]]);
    setCounter(this.commits, [[{}, this.db.stats.commits]]);
    setCounter(this.failedCommits, [[{}, this.db.stats.failedCommits]]);
    setGauge(this.hostDevices, [...countBy(devices, (device) => `${device.facts.kind}|${device.present}`)].map(([key, count]) => {
      const [kind = '', present = ''] = key.split('|');
      return [{ kind, present }, count];
    }));
    setGauge(this.claims, [[{}, this.vnfs.allClaims().length]]);
    setGauge(this.connected, this.libvirt.connectionStates().map((connection) => [{ kind: connection.kind }, connection.connected ? 1 : 0]));
    setCounter(this.runs, [[{}, stats.runs]]);
    setCounter(this.passes, [[{}, stats.passes]]);
    setCounter(this.passFailures, [[{}, stats.failedPasses]]);
    setGauge(this.lastPass, stats.lastPassSeconds === null ? [] : [[{}, stats.lastPassSeconds]]);
  }

  /** Only vnfm's own domains (UUID = a VNF's id), labelled with the VNF's name. */
  private async readDomains(): Promise<void> {
    let figures: DomainFigures[] = [];
    let up = 1;
    try {
      figures = await this.libvirt.domainFigures();
    } catch {
      up = 0;
    }
    const names = new Map(this.vnfs.list().map((row) => [row.id, row.name]));
    const ours = figures.flatMap((figure) => {
      const vnf = names.get(figure.uuid);
      return vnf === undefined ? [] : [{ vnf, figure }];
    });
    const per = (value: (figure: DomainFigures) => number | null): Sample[] =>
      ours.flatMap(({ vnf, figure }) => {
        const number = value(figure);
        return number === null ? [] : [[{ vnf }, number] as Sample];
      });
    const perDevice = <T extends { device: string }>(items: (figure: DomainFigures) => T[], value: (item: T) => number): Sample[] =>
      ours.flatMap(({ vnf, figure }) => items(figure).map((item) => [{ vnf, device: item.device }, value(item)] as Sample));
    setGauge(this.statsUp, [[{}, up]]);
    setCounter(this.cpu, per((figure) => (figure.cpuTimeNs === null ? null : figure.cpuTimeNs / 1e9)));
    setGauge(this.memory, per((figure) => (figure.memoryKiB === null ? null : figure.memoryKiB * 1024)));
    setGauge(this.rss, per((figure) => (figure.rssKiB === null ? null : figure.rssKiB * 1024)));
    setCounter(this.rxBytes, perDevice((figure) => figure.interfaces, (nic) => nic.rxBytes));
    setCounter(this.rxPackets, perDevice((figure) => figure.interfaces, (nic) => nic.rxPackets));
    setCounter(this.txBytes, perDevice((figure) => figure.interfaces, (nic) => nic.txBytes));
    setCounter(this.txPackets, perDevice((figure) => figure.interfaces, (nic) => nic.txPackets));
    setCounter(this.readBytes, perDevice((figure) => figure.blocks, (disk) => disk.readBytes));
    setCounter(this.writeBytes, perDevice((figure) => figure.blocks, (disk) => disk.writeBytes));
  }
}
