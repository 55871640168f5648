import 'reflect-metadata';
import { type INestApplication, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { VnfmConfig } from '../../../libs/config/src/index.js';
import { AppModule } from './app.module.js';

const LOG_LEVELS: LogLevel[] = ['error', 'warn', 'log', 'debug', 'verbose'];

/** Builds the HTTP application (routes under /api/v1; health probes at the root). */
export async function createApp(config: VnfmConfig, options: { logger?: boolean } = {}): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    logger: options.logger === false ? false : LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(config.VNFM_LOG_LEVEL) + 1),
    abortOnError: false,
  });
  app.setGlobalPrefix('api/v1', { exclude: ['healthz', 'readyz', 'metrics'] });
  app.useBodyParser('json', { limit: '256kb', strict: true });
  // No ETag: every answer is computed fresh, and hashing each body cost more than it saved.
  app.set('etag', false);
  await app.init();
  return app;
}
