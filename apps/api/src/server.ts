import 'reflect-metadata';
import { type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { VnfmConfig } from '../../../libs/config/src/index.js';
import type { Request, Response } from 'express';
import { AppModule } from './app.module.js';
import { PROBLEM_BASE } from './common/problem.js';
import { sendProblem } from './common/problem-response.js';
import { refuseDuplicateKeys } from './common/request-validation.js';
import { AccessControl } from './security/access-control.js';
import { auditLog } from './security/audit.js';
import { serveUpgrades } from './console/upgrade.js';
import { httpsOptionsOf } from './security/tls.js';

import { createPinoLogger, PinoNestLogger } from './logging/pino-logger.js';
import { requestIds } from './logging/request-id.js';
import { httpMetrics } from './metrics/http-metrics.js';
import { VnfmMetrics } from './metrics/vnfm-metrics.js';

export interface AppOptions {
  /** false: no log at all (most tests). */
  logger?: boolean;
  /** Where log lines go (default stdout); tests read them from here. */
  logStream?: NodeJS.WritableStream & { isTTY?: boolean };
}

/**
 * Builds the HTTP(S) application (routes under /api/v1; health probes at the root). Before any
 * route: the request id (and log context), the audit log, CORS when configured, then AccessControl's chain (headers, Host, origin,
 * authentication, write rate limit, JSON-only bodies), then the JSON body parser.
 */
export async function createApp(config: VnfmConfig, options: AppOptions = {}): Promise<INestApplication> {
  const httpsOptions = httpsOptionsOf(config);
  const logger =
    options.logger === false
      ? false
      : new PinoNestLogger(createPinoLogger({ level: config.VNFM_LOG_LEVEL, format: config.VNFM_LOG_FORMAT, ...(options.logStream === undefined ? {} : { destination: options.logStream }) }));
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    logger,
    abortOnError: false,
    bodyParser: false,
    ...(httpsOptions === undefined ? {} : { httpsOptions }),
  });
  app.disable('x-powered-by');
  app.use(requestIds());
  app.use(httpMetrics(app.get(VnfmMetrics)));
  app.use(auditLog());
  if (config.VNFM_CORS_ORIGINS.length > 0) {
    app.enableCors({ origin: config.VNFM_CORS_ORIGINS, allowedHeaders: ['authorization', 'content-type', 'if-match', 'idempotency-key', 'x-request-id', 'last-event-id'], exposedHeaders: ['etag', 'location', 'idempotent-replayed', 'x-request-id'], maxAge: 600 });
  }
  for (const handler of app.get(AccessControl).middleware()) app.use(handler);
  app.setGlobalPrefix('api/v1', { exclude: ['healthz', 'readyz', 'metrics', 'docs', 'docs/openapi.json', 'docs/init.js', 'docs/swagger-ui.css', 'docs/swagger-ui-bundle.js'] });
  // `verify` goes through to body-parser as is (Nest's option type leaves it out, it uses it only
  // for rawBody, which is off): a key twice in one object is refused before the body is parsed.
  app.useBodyParser('json', { limit: '256kb', strict: true, ...({ verify: refuseDuplicateKeys } as object) });
  // No ETag: every answer is computed fresh, and hashing each body cost more than it saved.
  app.set('etag', false);
  await app.init();
  // WebSocket upgrades (the console) go through the same Express app: the same checks, the same routes.
  serveUpgrades(app.getHttpServer(), app.getHttpAdapter().getInstance());
  // What no route matched, outside /api/v1 too, is a problem like every other answer.
  app.use((request: Request, response: Response) =>
    sendProblem(response, { type: `${PROBLEM_BASE}not-found`, title: 'Not found', status: 404, detail: `no route for ${request.method} ${request.path.slice(0, 200)}`, instance: request.originalUrl.slice(0, 300) }),
  );
  return app;
}
