import { Inject, Injectable, Logger } from '@nestjs/common';
import { designDomain, type AllocatedDevice, type HostFacts } from '../../../../libs/designer/src/index.js';
import { buildDomainXml } from '../../../../libs/domain-xml/src/index.js';
import type { VnfEntity, VnfLastError, VnfPhase } from '../../../../libs/inventory/src/index.js';
import { VnfRepository } from '../../../../libs/inventory/src/index.js';
import {
  LIBVIRT_PORT,
  LibvirtConnectionError,
  LibvirtError,
  LibvirtTimeoutError,
  errorMessage,
  isActiveState,
  type LibvirtPort,
  type ObservedDomain,
} from '../../../../libs/libvirt/src/index.js';
import { HOST_FACTS } from '../host/detect-host-facts.js';
import { allocatedDevices, specOf } from './vnf-record.js';

/** pendingOperation values this module acts on. */
export const PENDING_RESTART = 'restart';

export type ConvergeOutcome =
  | { kind: 'converged'; phase: VnfPhase }
  /** libvirt refused the definition itself: the request cannot work on this host. */
  | { kind: 'define-rejected'; message: string }
  | { kind: 'failed'; error: VnfLastError }
  /** libvirt unreachable: the intent stays stored and is applied on a later pass. */
  | { kind: 'deferred'; error: VnfLastError };

/**
 * Brings one VNF's libvirt domain to its stored desired state: define when missing or out of
 * date, then start or shut down. Idempotent. Callers hold the VNF's lock.
 * (The full reconciler, with drift detection and backoff, replaces this per the reconciler issue.)
 */
@Injectable()
export class VnfConverger {
  private readonly logger = new Logger(VnfConverger.name);

  constructor(
    @Inject(LIBVIRT_PORT) private readonly libvirt: LibvirtPort,
    @Inject(HOST_FACTS) private readonly host: HostFacts,
    private readonly vnfs: VnfRepository,
  ) {}

  desiredXml(vnf: VnfEntity, devices: readonly AllocatedDevice[]): string {
    const spec = specOf(vnf);
    return buildDomainXml(designDomain({ id: vnf.id, specHash: vnf.specHash, generation: vnf.generation }, spec, this.host, devices));
  }

  async converge(vnf: VnfEntity): Promise<ConvergeOutcome> {
    const spec = specOf(vnf);
    let step = 'lookup';
    try {
      const devices = allocatedDevices(await this.vnfs.claimsOf(vnf.id));
      let observed = await this.libvirt.lookupDomain(spec.name);
      if (observed && observed.uuid !== vnf.id) {
        return await this.fail(vnf, 'DomainNameTaken', `libvirt domain '${spec.name}' exists and is not managed by vnfm (uuid ${observed.uuid}); it is left untouched`);
      }
      if (!observed || !observed.persistent || vnf.observedGeneration !== vnf.generation) {
        step = 'define';
        try {
          observed = await this.libvirt.defineDomain(this.desiredXml(vnf, devices));
        } catch (error) {
          if (error instanceof LibvirtError && !(error instanceof LibvirtConnectionError) && !(error instanceof LibvirtTimeoutError)) {
            await this.fail(vnf, 'DefineRejected', `define: ${error.message}`);
            return { kind: 'define-rejected', message: error.message };
          }
          throw error;
        }
        // A fresh definition starts with autostart off in libvirt: apply the asked-for value.
        step = 'autostart';
        if ((await this.libvirt.getAutostart(spec.name)) !== Boolean(spec.autostart)) await this.libvirt.setAutostart(spec.name, Boolean(spec.autostart));
      }
      step = spec.powerState === 'running' ? 'start' : 'shutdown';
      let active = isActiveState(observed.state);
      let restartRequired = active && Boolean(vnf.restartRequired);
      if (active && spec.powerState === 'running' && vnf.pendingOperation === PENDING_RESTART) {
        if (spec.updateStrategy === 'OnRestart') {
          // The new definition waits for the guest's next stop and start; say so in the status.
          restartRequired = true;
        } else {
          // Restart (the default): the running domain must pick up its new definition now.
          // (A graceful restart with a timeout comes with the reconciler.)
          step = 'restart';
          await this.libvirt.destroyDomain(spec.name);
          active = false;
        }
      }
      if (!active) {
        // Whatever starts next runs the current definition.
        restartRequired = false;
        await this.releaseDroppedDevices(vnf);
      }
      step = spec.powerState === 'running' ? 'start' : 'shutdown';
      if (spec.powerState === 'running' && !active) await this.libvirt.startDomain(spec.name);
      if (spec.powerState === 'stopped' && active) await this.libvirt.shutdownDomain(spec.name);
      const phase: VnfPhase = spec.powerState === 'running' ? 'Running' : 'Stopped';
      await this.vnfs.update(vnf.id, {
        phase,
        observedGeneration: vnf.generation,
        pendingOperation: null,
        restartRequired,
        lastError: null,
        lastReconciledAt: new Date().toISOString(),
      });
      return { kind: 'converged', phase };
    } catch (error) {
      if (error instanceof LibvirtConnectionError || error instanceof LibvirtTimeoutError) {
        const lastError = this.errorRecord('LibvirtUnavailable', `${step}: ${error.message}`);
        await this.vnfs.update(vnf.id, { lastError: JSON.stringify(lastError) });
        return { kind: 'deferred', error: lastError };
      }
      return this.fail(vnf, step === 'start' ? 'StartFailed' : 'LibvirtError', `${step}: ${errorMessage(error)}`);
    }
  }

  /** Destroys and undefines the VNF's own domain (never a foreign one), then drops the row. */
  async finishDelete(vnf: VnfEntity): Promise<'deleted' | 'deferred'> {
    const { name } = specOf(vnf);
    try {
      const observed = await this.libvirt.lookupDomain(name);
      if (observed && observed.uuid === vnf.id) {
        await this.libvirt.destroyDomain(name);
        await this.libvirt.undefineDomain(name);
      }
      await this.vnfs.delete(vnf.id);
      return 'deleted';
    } catch (error) {
      this.logger.warn(`delete of VNF ${name} deferred: ${errorMessage(error)}`);
      await this.vnfs.update(vnf.id, { lastError: JSON.stringify(this.errorRecord('DeleteFailed', errorMessage(error))) });
      return 'deferred';
    }
  }

  /** Devices a replace dropped go back to the pool once no domain of this VNF is running. */
  private async releaseDroppedDevices(vnf: VnfEntity): Promise<void> {
    const released = await this.vnfs.releaseDroppedClaims(vnf.id);
    if (released.length > 0) this.logger.log(`VNF ${vnf.name}: released ${released.join(', ')}`);
  }

  private async fail(vnf: VnfEntity, code: string, message: string): Promise<ConvergeOutcome> {
    const error = this.errorRecord(code, message);
    this.logger.warn(`VNF ${vnf.name}: ${message}`);
    await this.vnfs.update(vnf.id, { phase: 'Failed', lastError: JSON.stringify(error), lastReconciledAt: new Date().toISOString() });
    return { kind: 'failed', error };
  }

  private errorRecord(code: string, message: string): VnfLastError {
    return { code, message, at: new Date().toISOString() };
  }
}
