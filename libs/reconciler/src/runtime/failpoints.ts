import type { VnfmConfig } from '../../../config/src/index.js';

export type FailpointName = NonNullable<VnfmConfig['VNFM_FAILPOINT']>;

/**
 * Crash tests: when VNFM_FAILPOINT names a step, the process SIGKILLs itself right after it,
 * leaving whatever half-done state a real crash would. Unset (always, outside tests): no effect.
 */
export class Failpoints {
  constructor(private readonly armed: FailpointName | undefined) {}

  hit(name: FailpointName): void {
    if (this.armed !== name) return;
    process.stderr.write(`vnfm: failpoint ${name} reached: SIGKILL\n`);
    process.kill(process.pid, 'SIGKILL');
  }
}

