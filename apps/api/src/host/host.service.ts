import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { VNFM_CONFIG, type VnfmConfig } from '../../../../libs/config/src/index.js';
import { domainTypeFor, type HostFacts } from '../../../../libs/designer/src/index.js';
import { HostDeviceRepository } from '../../../../libs/inventory/src/index.js';
import { LIBVIRT_PORT, type LibvirtPort } from '../../../../libs/libvirt/src/index.js';
import { HostDeviceInventory } from '../host-devices/host-device-inventory.service.js';
import { HOST_FACTS } from './detect-host-facts.js';
import { LIBVIRT_LXC_CONTROLLER, deviceHelpOf, hostPreflight, libvirtdSeesUnifiedCgroup } from './host-preflight.js';

const DEFAULT_AARCH64_EMULATOR = '/usr/bin/qemu-system-aarch64';

/** `GET /host`: what this host offers, and the preflight for device assignment. */
@Injectable()
export class HostService implements OnApplicationBootstrap {
  private readonly logger = new Logger(HostService.name);
  private deviceHelp: Promise<string | null> | undefined;

  constructor(
    @Inject(VNFM_CONFIG) private readonly config: VnfmConfig,
    @Inject(HOST_FACTS) private readonly host: HostFacts,
    private readonly devices: HostDeviceRepository,
    private readonly inventory: HostDeviceInventory,
    @Inject(LIBVIRT_PORT) private readonly libvirt: LibvirtPort,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // After the inventory's own start-up scan (Nest runs bootstrap hooks in module order).
    await this.inventory.onApplicationBootstrapDone;
    const report = await this.describe();
    for (const check of report.checks) if (!check.ok) this.logger.warn(`host preflight ${check.name}: ${check.detail}`);
  }

  private get aarch64Emulator(): string {
    return this.config.VNFM_EMULATOR_AARCH64 ?? DEFAULT_AARCH64_EMULATOR;
  }

  async describe() {
    this.deviceHelp ??= deviceHelpOf(this.aarch64Emulator);
    const state = await this.devices.state();
    const hiddenVfioGroups = [
      ...new Set(
        state.devices.flatMap(({ facts }) =>
          (facts.kind === 'fsl-mc' && facts.driver === 'vfio-fsl-mc') || (facts.kind === 'platform' && facts.driver === 'vfio-platform')
            ? facts.iommuGroup === null ? [] : [facts.iommuGroup]
            : [],
        ),
      ),
    ].sort((a, b) => a - b);
    const checks = hostPreflight({
      sysfsRoot: this.config.VNFM_SYSFS_ROOT,
      devRoot: this.config.VNFM_DEV_ROOT,
      qemuConfPath: this.config.VNFM_QEMU_CONF_PATH,
      aarch64DeviceHelp: await this.deviceHelp,
      aarch64Emulator: this.aarch64Emulator,
      hiddenVfioGroups,
      ...(this.config.VNFM_LXC_URI === 'off'
        ? {}
        : {
            lxc: {
              uri: this.config.VNFM_LXC_URI,
              controllerPath: LIBVIRT_LXC_CONTROLLER,
              connected: this.libvirt.connectionStates().some((connection) => connection.kind === 'container' && connection.connected),
              // Only the local system libvirtd's namespace can be looked at.
              libvirtdSeesUnifiedCgroup: this.config.VNFM_LXC_URI === 'lxc:///' ? libvirtdSeesUnifiedCgroup('/proc') : null,
            },
          }),
    });
    return {
      arch: this.host.arch,
      domainTypes: { aarch64: domainTypeFor('aarch64', this.host), x86_64: domainTypeFor('x86_64', this.host) },
      emulators: { aarch64: this.aarch64Emulator, ...(this.config.VNFM_EMULATOR_X86_64 ? { x86_64: this.config.VNFM_EMULATOR_X86_64 } : {}) },
      libvirtUri: this.config.VNFM_LIBVIRT_URI,
      lxcUri: this.config.VNFM_LXC_URI,
      sysfsRoot: this.config.VNFM_SYSFS_ROOT,
      checks,
      warnings: checks.filter((check) => !check.ok).map((check) => check.detail),
    };
  }
}
