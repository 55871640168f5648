import { Logger, type Provider } from '@nestjs/common';
import type { VnfmConfig } from '../../../../libs/config/src/index.js';
import { VNFM_CONFIG } from '../../../../libs/config/src/index.js';
import { CompositeLibvirt, LIBVIRT_PORT, LibvirtClient, NetdevHandback, type CompositeMember } from '../../../../libs/libvirt/src/index.js';
import { VnfmMetrics } from '../metrics/vnfm-metrics.js';

/**
 * How long the start waits for the first connections. A libvirtd that does not answer (stopped,
 * overloaded) must not keep vnfm from listening for the whole call timeout: after this it goes on
 * without them, `/readyz` says which is away, and the attempt carries on in the background.
 */
const FIRST_CONNECT_WAIT_MS = 3_000;

/**
 * The long-lived libvirt connections, opened at start-up (a failure there is retried, not
 * fatal): VMs on VNFM_LIBVIRT_URI, containers on VNFM_LXC_URI (unless off), behind one port.
 */
export const libvirtProvider: Provider = {
  provide: LIBVIRT_PORT,
  inject: [VNFM_CONFIG, VnfmMetrics],
  useFactory: async (config: VnfmConfig, metrics: VnfmMetrics) => {
    const logger = new Logger('Libvirt');
    const log = (level: 'log' | 'warn' | 'error', message: string) => logger[level](message);
    const client = (uri: string, definitionReader: boolean) =>
      new LibvirtClient({
        uri,
        definitionReader,
        callTimeoutMs: config.VNFM_LIBVIRT_CALL_TIMEOUT_MS,
        maxInFlight: config.VNFM_LIBVIRT_MAX_INFLIGHT,
        keepAliveIntervalMs: config.VNFM_LIBVIRT_PROBE_INTERVAL_MS,
        log,
        onCall: (call, seconds, outcome) => metrics.libvirtCallSeconds.observe({ call, outcome }, seconds),
      });
    // VMs: a second connection reads definitions beside the first in a pass (the LXC driver has
    // no bulk listing, so its definitions are read one lookup at a time either way).
    const members: CompositeMember[] = [{ kind: 'vm', client: client(config.VNFM_LIBVIRT_URI, true) }];
    if (config.VNFM_LXC_URI !== 'off') members.push({ kind: 'container', client: client(config.VNFM_LXC_URI, false) });
    const port = new CompositeLibvirt(members, new NetdevHandback({ log }));
    let waited: NodeJS.Timeout | undefined;
    await Promise.race([port.start(), new Promise((resolve) => (waited = setTimeout(resolve, FIRST_CONNECT_WAIT_MS)))]);
    clearTimeout(waited);
    return port;
  },
};
