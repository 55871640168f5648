import 'reflect-metadata';
import { type INestApplication, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { VnfmConfig } from '../../../libs/config/src/index.js';
import type { Request, Response } from 'express';
import { AppModule } from './app.module.js';
import { PROBLEM_BASE } from './common/problem.js';
import { sendProblem } from './common/problem-response.js';
import { AccessControl } from './security/access-control.js';
import { auditLog } from './security/audit.js';
import { httpsOptionsOf } from './security/tls.js';

const LOG_LEVELS: LogLevel[] = ['error', 'warn', 'log', 'debug', 'verbose'];

/**
 * Builds the HTTP(S) application (routes under /api/v1; health probes at the root). Before any
 * route: the audit log, CORS when configured, then AccessControl's chain (headers, Host, origin,
 * authentication, write rate limit, JSON-only bodies), then the JSON body parser.
 */
export async function createApp(config: VnfmConfig, options: { logger?: boolean } = {}): Promise<INestApplication> {
  const httpsOptions = httpsOptionsOf(config);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    logger: options.logger === false ? false : LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(config.VNFM_LOG_LEVEL) + 1),
    abortOnError: false,
    bodyParser: false,
    ...(httpsOptions === undefined ? {} : { httpsOptions }),
  });
  app.disable('x-powered-by');
  app.use(auditLog());
  if (config.VNFM_CORS_ORIGINS.length > 0) {
    app.enableCors({ origin: config.VNFM_CORS_ORIGINS, allowedHeaders: ['authorization', 'content-type', 'if-match', 'idempotency-key'], maxAge: 600 });
  }
  for (const handler of app.get(AccessControl).middleware()) app.use(handler);
  app.setGlobalPrefix('api/v1', { exclude: ['healthz', 'readyz', 'metrics'] });
  app.useBodyParser('json', { limit: '256kb', strict: true });
  // No ETag: every answer is computed fresh, and hashing each body cost more than it saved.
  app.set('etag', false);
  await app.init();
  // What no route matched, outside /api/v1 too, is a problem like every other answer.
  app.use((request: Request, response: Response) =>
    sendProblem(response, { type: `${PROBLEM_BASE}not-found`, title: 'Not found', status: 404, detail: `no route for ${request.method} ${request.path.slice(0, 200)}`, instance: request.originalUrl.slice(0, 300) }),
  );
  return app;
}
