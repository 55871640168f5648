import { type BeforeApplicationShutdown, type DynamicModule, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { VNFM_CONFIG, type VnfmConfig } from '../../../libs/config/src/index.js';
import type { HostFacts } from '../../../libs/designer/src/index.js';
import { parseDeviceAllowList, type DeviceAllowList } from '../../../libs/host-devices/src/index.js';
import { StateMetrics } from './metrics/state-metrics.js';
import { VnfmMetrics } from './metrics/vnfm-metrics.js';
import { WatchController } from './vnfs/watch.controller.js';
import { DocsController } from './docs/docs.controller.js';
import { HOST_RESOURCES, HostResourceChecker, type HostResourcePort } from '../../../libs/host-resources/src/index.js';
import { ChangeLog, IdempotencyKeys, VnfEventRepository, VnfRepository } from '../../../libs/inventory/src/index.js';
import { CompositeLibvirt, LIBVIRT_PORT, LibvirtClient, type LibvirtPort } from '../../../libs/libvirt/src/index.js';
import { Failpoints, Reconciler } from '../../../libs/reconciler/src/index.js';
import { VnfUseCases, VnfWatch } from '../../../libs/use-cases/src/index.js';
import { ProblemFilter } from './common/problem.filter.js';
import { HealthController } from './health/health.controller.js';
import { MetricsController } from './health/metrics.controller.js';
import { DEVICE_ALLOW_LIST, HostDeviceInventory } from './host-devices/host-device-inventory.service.js';
import { HostDevicesController } from './host-devices/host-devices.controller.js';
import { HOST_FACTS, detectHostFacts } from './host/detect-host-facts.js';
import { HostController } from './host/host.controller.js';
import { HostService } from './host/host.service.js';
import { libvirtProvider } from './platform/libvirt.provider.js';
import { reconcilerProviders } from './platform/reconciler.provider.js';
import { INSTANCE_ID, storageProviders } from './platform/storage.provider.js';
import { ReconcileController } from './reconciler/reconcile.controller.js';
import { AccessControl } from './security/access-control.js';
import { AccessGuard } from './security/access.js';
import { AuditInterceptor } from './security/audit.js';
import { VnfsController } from './vnfs/vnfs.controller.js';
import { ConsoleController } from './console/console.controller.js';
import { ConsoleSessions } from './console/console-sessions.js';

class LibvirtLifecycle implements OnApplicationShutdown {
  constructor(@Inject(LIBVIRT_PORT) private readonly libvirt: LibvirtPort) {}
  async onApplicationShutdown(): Promise<void> {
    if (this.libvirt instanceof LibvirtClient || this.libvirt instanceof CompositeLibvirt) await this.libvirt.close();
  }
}

@Module({})
export class AppModule {
  static forRoot(config: VnfmConfig): DynamicModule {
    return {
      module: AppModule,
      controllers: [VnfsController, ConsoleController, WatchController, DocsController, HostDevicesController, HostController, ReconcileController, HealthController, MetricsController],
      providers: [
        { provide: VNFM_CONFIG, useValue: config },
        {
          provide: HOST_FACTS,
          useValue: {
            ...detectHostFacts(config.VNFM_DOMAIN_TYPE, { aarch64: config.VNFM_EMULATOR_AARCH64, x86_64: config.VNFM_EMULATOR_X86_64 }),
            blockDevices: new Set(config.VNFM_BLOCK_DEVICES),
            containers: config.VNFM_LXC_URI !== 'off',
          },
        },
        { provide: DEVICE_ALLOW_LIST, useValue: parseDeviceAllowList(config.VNFM_DEVICE_ALLOW) },
        { provide: VnfmMetrics, useValue: new VnfmMetrics() },
        StateMetrics,
        {
          provide: HOST_RESOURCES,
          useValue: new HostResourceChecker({
            imageDirs: config.VNFM_IMAGE_DIRS,
            blockDevices: config.VNFM_BLOCK_DEVICES,
            vhostSocketDirs: config.VNFM_VHOST_SOCKET_DIRS,
            sysfsRoot: config.VNFM_SYSFS_ROOT,
            procfsRoot: config.VNFM_PROCFS_ROOT,
            listenHost: config.VNFM_HOST,
          }),
        },
        { provide: APP_FILTER, useClass: ProblemFilter },
        { provide: APP_GUARD, useClass: AccessGuard },
        AccessControl,
        AuditInterceptor,
        ...storageProviders,
        libvirtProvider,
        LibvirtLifecycle,
        ...reconcilerProviders,
        {
          provide: VnfUseCases,
          inject: [VnfRepository, VnfEventRepository, Reconciler, LIBVIRT_PORT, Failpoints, HOST_FACTS, DEVICE_ALLOW_LIST, INSTANCE_ID, HOST_RESOURCES, IdempotencyKeys],
          useFactory: (vnfs: VnfRepository, events: VnfEventRepository, reconciler: Reconciler, libvirt: LibvirtPort, failpoints: Failpoints, host: HostFacts, allowList: DeviceAllowList, instanceId: string, hostResources: HostResourcePort, idempotency: IdempotencyKeys) =>
            new VnfUseCases(vnfs, events, reconciler, libvirt, failpoints, { host, allowList, instanceId }, hostResources, idempotency),
        },
        {
          provide: VnfWatch,
          inject: [ChangeLog, VnfUseCases],
          // Open streams end before the HTTP server is closed, which waits for every connection.
          useFactory: (changes: ChangeLog, vnfs: VnfUseCases) => {
            const watch = new VnfWatch(changes, (id) => vnfs.viewById(id));
            return Object.assign(watch, { beforeApplicationShutdown: () => watch.close() } satisfies BeforeApplicationShutdown);
          },
        },
        HostDeviceInventory,
        HostService,
        ConsoleSessions,
      ],
    };
  }
}
