import { type DynamicModule, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { VNFM_CONFIG, type VnfmConfig } from '../../../libs/config/src/index.js';
import { parseDeviceAllowList } from '../../../libs/host-devices/src/index.js';
import { DbQueue, HostDeviceRepository, VnfEventRepository, VnfRepository, dataSourceOptions } from '../../../libs/inventory/src/index.js';
import { LIBVIRT_PORT, LibvirtClient, type LibvirtPort } from '../../../libs/libvirt/src/index.js';
import { KeyedMutex } from './common/keyed-mutex.js';
import { ProblemFilter } from './common/problem.filter.js';
import { HealthController } from './health/health.controller.js';
import { MetricsController } from './health/metrics.controller.js';
import { DEVICE_ALLOW_LIST, HostDeviceInventory } from './host-devices/host-device-inventory.service.js';
import { HostDevicesController } from './host-devices/host-devices.controller.js';
import { HOST_FACTS, detectHostFacts } from './host/detect-host-facts.js';
import { HostController } from './host/host.controller.js';
import { HostService } from './host/host.service.js';
import { libvirtProvider } from './platform/libvirt.provider.js';
import { ActionExecutor } from './reconciler/action-executor.js';
import { DomainObserver } from './reconciler/domain-observer.js';
import { FAILPOINTS, Failpoints } from './reconciler/failpoints.js';
import { ReconcileController } from './reconciler/reconcile.controller.js';
import { Reconciler } from './reconciler/reconciler.service.js';
import { VnfEventLog } from './reconciler/vnf-event-log.js';
import { VNF_LOCKS } from './vnfs/vnf-locks.js';
import { VnfsService } from './vnfs/vnfs.service.js';
import { VnfsController } from './vnfs/vnfs.controller.js';

class LibvirtLifecycle implements OnApplicationShutdown {
  constructor(@Inject(LIBVIRT_PORT) private readonly libvirt: LibvirtPort) {}
  async onApplicationShutdown(): Promise<void> {
    if (this.libvirt instanceof LibvirtClient) await this.libvirt.close();
  }
}

@Module({})
export class AppModule {
  static forRoot(config: VnfmConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [TypeOrmModule.forRoot(dataSourceOptions(config.VNFM_DB_PATH)), ScheduleModule.forRoot()],
      controllers: [VnfsController, HostDevicesController, HostController, ReconcileController, HealthController, MetricsController],
      providers: [
        { provide: VNFM_CONFIG, useValue: config },
        { provide: HOST_FACTS, useValue: detectHostFacts(config.VNFM_DOMAIN_TYPE, { aarch64: config.VNFM_EMULATOR_AARCH64, x86_64: config.VNFM_EMULATOR_X86_64 }) },
        { provide: DEVICE_ALLOW_LIST, useValue: parseDeviceAllowList(config.VNFM_DEVICE_ALLOW) },
        { provide: VNF_LOCKS, useValue: new KeyedMutex() },
        { provide: DbQueue, useValue: new DbQueue() },
        { provide: VnfRepository, inject: [DataSource, DbQueue], useFactory: (ds: DataSource, queue: DbQueue) => new VnfRepository(ds, queue) },
        { provide: VnfEventRepository, inject: [DataSource, DbQueue], useFactory: (ds: DataSource, queue: DbQueue) => new VnfEventRepository(ds, queue) },
        { provide: FAILPOINTS, useValue: new Failpoints(config.VNFM_FAILPOINT) },
        { provide: HostDeviceRepository, inject: [DataSource, DbQueue], useFactory: (ds: DataSource, queue: DbQueue) => new HostDeviceRepository(ds, queue) },
        { provide: APP_FILTER, useClass: ProblemFilter },
        libvirtProvider,
        LibvirtLifecycle,
        HostDeviceInventory,
        HostService,
        VnfEventLog,
        DomainObserver,
        ActionExecutor,
        Reconciler,
        VnfsService,
      ],
    };
  }
}
