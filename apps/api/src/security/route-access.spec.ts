import 'reflect-metadata';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { describe, expect, it } from 'vitest';
import { HealthController } from '../health/health.controller.js';
import { MetricsController } from '../health/metrics.controller.js';
import { HostDevicesController } from '../host-devices/host-devices.controller.js';
import { HostController } from '../host/host.controller.js';
import { ReconcileController } from '../reconciler/reconcile.controller.js';
import { VnfsController } from '../vnfs/vnfs.controller.js';
import { ConsoleController } from '../console/console.controller.js';
import { WatchController } from '../vnfs/watch.controller.js';
import { DocsController } from '../docs/docs.controller.js';
import { ACCESS_METADATA } from './access.js';

const CONTROLLERS = [VnfsController, ConsoleController, WatchController, DocsController, HostDevicesController, HostController, ReconcileController, HealthController, MetricsController];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'ALL', 'OPTIONS', 'HEAD', 'SEARCH'];

/** Every route with the access rule it declares (its own or its controller's). */
function routeRules(): Array<[string, string | undefined]> {
  return CONTROLLERS.flatMap((controller) => {
    const base = Reflect.getMetadata(PATH_METADATA, controller) as string;
    const classRule = Reflect.getMetadata(ACCESS_METADATA, controller) as string | undefined;
    return Object.getOwnPropertyNames(controller.prototype)
      .filter((key) => key !== 'constructor')
      .map((key) => (controller.prototype as unknown as Record<string, unknown>)[key])
      .filter((handler): handler is object => typeof handler === 'function' && Reflect.getMetadata(PATH_METADATA, handler) !== undefined)
      .map((handler): [string, string | undefined] => [
        `${METHODS[Reflect.getMetadata(METHOD_METADATA, handler) as number]} /${base}/${Reflect.getMetadata(PATH_METADATA, handler) as string}`.replace(/\/+/g, '/').replace(/\/$/, ''),
        (Reflect.getMetadata(ACCESS_METADATA, handler) as string | undefined) ?? classRule,
      ]);
  });
}

describe('every route says who may use it', () => {
  it('the access table (a new route fails here until it is given a rule, and the README threat model agrees)', () => {
    expect(Object.fromEntries(routeRules())).toEqual({
      'POST /vnfs': 'write',
      'PUT /vnfs/:name': 'write',
      'GET /vnfs': 'read',
      'GET /vnfs/:name': 'read',
      'DELETE /vnfs/:name': 'write',
      'POST /vnfs/:name/start': 'write',
      'POST /vnfs/:name/stop': 'write',
      'POST /vnfs/:name/reboot': 'write',
      'GET /vnfs/:name/events': 'read',
      'GET /vnfs/:name/domain.xml': 'read',
      'GET /vnfs/:name/console': 'write',
      'GET /events': 'read',
      'GET /docs/openapi.json': 'public',
      'GET /docs': 'public',
      'GET /docs/init.js': 'public',
      'GET /docs/swagger-ui.css': 'public',
      'GET /docs/swagger-ui-bundle.js': 'public',
      'GET /host-devices': 'read',
      'POST /host-devices/rescan': 'admin',
      'GET /host': 'admin',
      'POST /reconcile': 'admin',
      'GET /healthz': 'public',
      'GET /readyz': 'public',
      'GET /metrics': 'public',
    });
  });
});
