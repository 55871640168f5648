import { Logger, type Provider } from '@nestjs/common';
import type { VnfmConfig } from '../../../../libs/config/src/index.js';
import { VNFM_CONFIG } from '../../../../libs/config/src/index.js';
import { LIBVIRT_PORT, LibvirtClient } from '../../../../libs/libvirt/src/index.js';
import { VnfmMetrics } from '../metrics/vnfm-metrics.js';

/** The one long-lived libvirt connection, opened at start-up (a failure there is retried, not fatal). */
export const libvirtProvider: Provider = {
  provide: LIBVIRT_PORT,
  inject: [VNFM_CONFIG, VnfmMetrics],
  useFactory: async (config: VnfmConfig, metrics: VnfmMetrics) => {
    const logger = new Logger('Libvirt');
    const client = new LibvirtClient({
      uri: config.VNFM_LIBVIRT_URI,
      callTimeoutMs: config.VNFM_LIBVIRT_CALL_TIMEOUT_MS,
      maxInFlight: config.VNFM_LIBVIRT_MAX_INFLIGHT,
      keepAliveIntervalMs: config.VNFM_LIBVIRT_PROBE_INTERVAL_MS,
      log: (level, message) => logger[level](message),
      onCall: (call, seconds, outcome) => metrics.libvirtCallSeconds.observe({ call, outcome }, seconds),
    });
    await client.start();
    return client;
  },
};
