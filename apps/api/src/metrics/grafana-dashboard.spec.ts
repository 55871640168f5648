import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const dashboard = JSON.parse(readFileSync(new URL('../../../../docs/grafana/vnfm-dashboard.json', import.meta.url), 'utf8')) as {
  panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
};
const METRICS = [
  'vnfm_reconcile_pass_duration_seconds_bucket',
  'vnfm_action_duration_seconds_bucket',
  'vnfm_libvirt_call_duration_seconds_bucket',
  'vnfm_http_request_duration_seconds_bucket',
  'vnfm_reconcile_queue_depth',
  'vnfm_domain_cpu_time_seconds_total',
  'vnfm_domain_memory_bytes',
  'vnfm_domain_interface_receive_bytes_total',
  'vnfm_domain_interface_transmit_packets_total',
  'vnfm_domain_block_read_bytes_total',
  'vnfm_domain_block_write_bytes_total',
];

describe('the Grafana dashboard in docs/grafana', () => {
  it('graphs the histograms, the queue and every per-VNF domain figure', () => {
    const exprs = dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr)).join('\n');
    for (const metric of METRICS) expect(exprs, metric).toContain(metric);
  });

  it('uses only metric names vnfm exposes', () => {
    const source = ['apps/api/src/metrics/vnfm-metrics.ts', 'apps/api/src/metrics/state-metrics.ts'].map((path) => readFileSync(new URL(`../../../../${path}`, import.meta.url), 'utf8')).join('\n');
    const used = new Set(dashboard.panels.flatMap((panel) => panel.targets.flatMap((target) => target.expr.match(/vnfm_[a-z_]+/g) ?? [])));
    for (const name of used) expect(source, name).toContain(`'${name.replace(/_(bucket|count|sum)$/, '')}'`);
  });
});
