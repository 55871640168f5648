import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { VNFM_CONFIG, type VnfmConfig } from '../../../../libs/config/src/index.js';
import {
  assessDevice,
  deviceKey,
  discoverHostDevices,
  type DeviceAllowList,
  type HostDeviceKind,
  type PciDeviceFacts,
} from '../../../../libs/host-devices/src/index.js';
import { HostDeviceRepository, type DeviceState, type ScanSummary } from '../../../../libs/inventory/src/index.js';
import { errorMessage } from '../../../../libs/libvirt/src/index.js';

export const DEVICE_ALLOW_LIST = Symbol('DEVICE_ALLOW_LIST');

export interface HostDeviceFilter {
  kind?: HostDeviceKind;
  assignable?: boolean;
}

/** The host-device inventory use cases: scan the host, and show each device with its verdict. */
@Injectable()
export class HostDeviceInventory implements OnApplicationBootstrap {
  private readonly logger = new Logger(HostDeviceInventory.name);

  constructor(
    private readonly devices: HostDeviceRepository,
    @Inject(VNFM_CONFIG) private readonly config: VnfmConfig,
    @Inject(DEVICE_ALLOW_LIST) private readonly allowList: DeviceAllowList,
  ) {}

  private bootstrapped: (() => void) | undefined;
  /** Resolves once the start-up scan has finished (well or not). */
  readonly onApplicationBootstrapDone = new Promise<void>((resolve) => {
    this.bootstrapped = resolve;
  });

  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.scanAtStartUp();
    } finally {
      this.bootstrapped?.();
    }
  }

  private async scanAtStartUp(): Promise<void> {
    try {
      const summary = await this.rescan();
      this.logger.log(`host devices: ${summary.seen} seen under ${this.config.VNFM_SYSFS_ROOT}`);
      for (const key of summary.vanishedClaimed) this.logger.warn(`claimed device ${key} is no longer on the host`);
    } catch (error) {
      this.logger.error(`host device scan failed: ${errorMessage(error)}`);
    }
  }

  async rescan(): Promise<ScanSummary & { scannedAt: string }> {
    const scannedAt = new Date().toISOString();
    const found = discoverHostDevices({ sysfsRoot: this.config.VNFM_SYSFS_ROOT, procfsRoot: this.config.VNFM_PROCFS_ROOT });
    return { ...(await this.devices.recordScan(found, scannedAt)), scannedAt };
  }

  async list(filter: HostDeviceFilter = {}) {
    const state = await this.devices.state();
    const pciByAddress = new Map<string, PciDeviceFacts>();
    for (const device of state.devices) if (device.facts.kind === 'pci') pciByAddress.set(device.facts.address, device.facts);
    return state.devices
      .filter((device) => filter.kind === undefined || device.facts.kind === filter.kind)
      .map((device) => this.view(device, state, pciByAddress))
      .filter((view) => filter.assignable === undefined || view.assignable === filter.assignable);
  }

  private view(device: DeviceState['devices'][number], state: DeviceState, pciByAddress: ReadonlyMap<string, PciDeviceFacts>) {
    const holder = state.holders.get(device.key) ?? null;
    const heldBySameVnf = new Set(holder ? [...state.holders].filter(([, other]) => other.vnfId === holder.vnfId).map(([key]) => key) : []);
    const verdict = device.present
      ? assessDevice(device.facts, {
          pciByAddress,
          allowList: this.allowList,
          sameVnfKeys: heldBySameVnf,
          otherHolder: (key) => {
            const other = state.holders.get(key);
            return other && other.vnfId !== holder?.vnfId ? other.vnfName : undefined;
          },
        })
      : { assignable: false as const, reason: `vanished from the host (last seen ${device.lastSeenAt}); kept because a VNF holds it` };
    return {
      key: deviceKey(device.facts),
      kind: device.facts.kind,
      name: device.key.slice(device.key.indexOf(':') + 1),
      present: device.present,
      assignable: verdict.assignable,
      reason: verdict.assignable ? null : verdict.reason,
      heldBy: holder ? { vnf: holder.vnfName, slot: holder.slot } : null,
      facts: device.facts,
      firstSeenAt: device.firstSeenAt,
      lastSeenAt: device.lastSeenAt,
    };
  }
}
