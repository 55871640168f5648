import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { HostFacts } from '../../../../libs/designer/src/index.js';
import { RequestChecks } from '../common/query-params.js';
import { HOST_FACTS } from '../host/detect-host-facts.js';
import { Access } from '../security/access.js';
import { openApiDocument } from './openapi.js';

/** Swagger UI needs its own scripts and styles (from this service only): the rest stays `default-src 'none'`. */
const DOCS_CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self' data:; frame-ancestors 'none'";

const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>vnfm API</title><link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="swagger-ui"></div><script src="/docs/swagger-ui-bundle.js"></script><script src="/docs/init.js"></script></body>
</html>
`;

const INIT = `window.ui = SwaggerUIBundle({ url: '/docs/openapi.json', dom_id: '#swagger-ui', deepLinking: true });\n`;

const assets = new Map<string, string>();
/** A file of swagger-ui-dist, read once. */
function asset(file: 'swagger-ui.css' | 'swagger-ui-bundle.js'): string {
  let text = assets.get(file);
  if (text === undefined) {
    const root = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
    text = readFileSync(join(root, file), 'utf8');
    assets.set(file, text);
  }
  return text;
}

/** `/docs` (Swagger UI) and `/docs/openapi.json`: public, like the source they describe. */
@Controller('docs')
@RequestChecks()
@Access('public')
export class DocsController {
  private readonly document;

  constructor(@Inject(HOST_FACTS) host: HostFacts) {
    this.document = openApiDocument(host.arch);
  }

  @Get('openapi.json')
  openapi() {
    return this.document;
  }

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  page(@Res({ passthrough: true }) response: Response): string {
    response.setHeader('Content-Security-Policy', DOCS_CSP);
    return PAGE;
  }

  @Get('init.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  init(): string {
    return INIT;
  }

  @Get('swagger-ui.css')
  @Header('Content-Type', 'text/css; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=86400')
  css(): string {
    return asset('swagger-ui.css');
  }

  @Get('swagger-ui-bundle.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=86400')
  bundle(): string {
    return asset('swagger-ui-bundle.js');
  }
}
