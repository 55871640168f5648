import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Buckets for work that takes milliseconds to a minute (libvirt calls, actions, passes). */
const WORK_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** HTTP answers: most are fast; writes wait for their reconcile. */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * vnfm's own instruments (prom-client, one registry per app). The event-driven ones are fed by
 * hooks (libvirt calls, actions, passes, HTTP requests); the state ones are read at scrape time
 * by the metrics controller.
 */
export class VnfmMetrics {
  readonly registry = new Registry();

  readonly reconcilePassSeconds = new Histogram({
    name: 'vnfm_reconcile_pass_duration_seconds',
    help: 'Duration of full reconcile passes, by outcome (error: the pass could not run).',
    labelNames: ['outcome'] as const,
    buckets: WORK_BUCKETS,
    registers: [this.registry],
  });

  readonly actionSeconds = new Histogram({
    name: 'vnfm_action_duration_seconds',
    help: 'Duration of reconciler actions (define, start, shutdown, destroy, ...), by kind and outcome.',
    labelNames: ['kind', 'outcome'] as const,
    buckets: WORK_BUCKETS,
    registers: [this.registry],
  });

  readonly libvirtCallSeconds = new Histogram({
    name: 'vnfm_libvirt_call_duration_seconds',
    help: 'Latency of libvirt calls through the binding, by call and outcome.',
    labelNames: ['call', 'outcome'] as const,
    buckets: WORK_BUCKETS,
    registers: [this.registry],
  });

  readonly httpSeconds = new Histogram({
    name: 'vnfm_http_request_duration_seconds',
    help: 'HTTP request duration, by method, route template and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: HTTP_BUCKETS,
    registers: [this.registry],
  });

  /** A gauge set afresh at every scrape (labels that vanished vanish too). */
  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge<string> {
    return new Gauge({ name, help, labelNames: [...labelNames], registers: [this.registry] });
  }

  /** A counter whose value is owned elsewhere (a stats object): set to that value at every scrape. */
  counter(name: string, help: string, labelNames: readonly string[] = []): Counter<string> {
    return new Counter({ name, help, labelNames: [...labelNames], registers: [this.registry] });
  }
}

/** Sets a counter to absolute values (reset, then add), for totals kept by another module. */
export function setCounter(counter: Counter<string>, samples: ReadonlyArray<[labels: Record<string, string>, value: number]>): void {
  counter.reset();
  for (const [labels, value] of samples) counter.inc(labels, value);
}

/** Sets a gauge's samples to exactly these. */
export function setGauge(gauge: Gauge<string>, samples: ReadonlyArray<[labels: Record<string, string>, value: number]>): void {
  gauge.reset();
  for (const [labels, value] of samples) gauge.set(labels, value);
}
