/**
 * The framework's own floor, measured beside the trivial Node HTTP server: Nest 12 on Express 5
 * (the platform vnfm runs on) with one controller whose one route answers the trivial server's
 * body, and nothing else (no middleware, guards, interceptors, database or libvirt). No vnfm
 * route can be faster than this. Prints its port.
 */
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';

const body = { id: '00000000-0000-4000-8000-000000000000', name: 'trivial', status: { phase: 'Running' } };

@Controller()
class FloorController {
  @Get()
  answer() {
    return body;
  }
}

@Module({ controllers: [FloorController] })
class FloorModule {}

const app = await NestFactory.create<NestExpressApplication>(FloorModule, { logger: false });
app.disable('x-powered-by');
app.set('etag', false);
await app.listen(Number(process.argv[2] ?? 0), '127.0.0.1');
const address = app.getHttpServer().address();
process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
