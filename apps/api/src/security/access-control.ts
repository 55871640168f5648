import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';

import { LOCAL_OPERATOR, RateLimiter, TokenStore, bootstrapTokens, defaultTokenPaths } from '../../../../libs/auth/src/index.js';
import { VNFM_CONFIG, type VnfmConfig } from '../../../../libs/config/src/index.js';
import { VnfmError } from '../../../../libs/core/src/index.js';
import { problemOf } from '../common/error-status.js';
import { sendProblem } from '../common/problem-response.js';
import { authenticate } from './authentication.js';
import { fixedHeaders } from './fixed-headers.js';
import { SAFE_METHODS, allowedHostCheck, asMiddleware, jsonBodiesOnly, sameOriginCheck } from './http-hygiene.js';
import { forCaller } from './redaction.js';
import { identityOf, setIdentity } from './request-identity.js';

/** The API's documentation: public (it says what the source says). */
const DOCS_PATHS = ['/docs', '/docs/openapi.json', '/docs/init.js', '/docs/swagger-ui.css', '/docs/swagger-ui-bundle.js'];

/** With authentication off, browsers on this machine must still not be turned against it (DNS rebinding). */
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/**
 * Everything that stands between the network and a route, as Express middleware in this order:
 * security headers, the Host check, the same-origin check, authentication (401), the write
 * rate limit (429), and JSON-only bodies (415). Authorization by scope is AccessGuard's, per route.
 * Owns the tokens (read at start, `reloadTokens()` on SIGHUP).
 */
@Injectable()
export class AccessControl {
  private readonly logger = new Logger('Access');
  /** null with VNFM_AUTH=off. */
  readonly tokens: TokenStore | null;
  /** The admin token file this start created (first start without VNFM_TOKENS_FILE). */
  readonly createdAdminToken: string | null = null;
  private readonly limiter: RateLimiter | null;
  private readonly publicPaths: ReadonlySet<string>;

  constructor(@Inject(VNFM_CONFIG) private readonly config: VnfmConfig) {
    if (config.VNFM_AUTH === 'off') {
      this.tokens = null;
      this.logger.warn(`authentication is OFF (VNFM_AUTH=off): anyone who can reach ${config.VNFM_HOST}:${config.VNFM_PORT} is admin`);
    } else {
      if (config.VNFM_TOKENS_FILE === undefined) {
        const dir = dirname(config.VNFM_DB_PATH);
        this.createdAdminToken = bootstrapTokens(config.VNFM_DB_PATH);
        if ((statSync(dir).mode & 0o022) !== 0) this.logger.warn(`${dir} (beside the database: tokens, admin.token) is writable by group or others; make it 0700 or 0755`);
      }
      this.tokens = new TokenStore(config.VNFM_TOKENS_FILE ?? defaultTokenPaths(config.VNFM_DB_PATH).tokensFile);
    }
    this.limiter = config.VNFM_AUTH === 'on' && config.VNFM_WRITE_RATE_PER_SECOND > 0 ? new RateLimiter(config.VNFM_WRITE_RATE_PER_SECOND, config.VNFM_WRITE_BURST) : null;
    this.publicPaths = new Set(['/healthz', '/readyz', ...DOCS_PATHS, ...(config.VNFM_METRICS_PUBLIC ? ['/metrics'] : [])]);
  }

  /** Reads the tokens file again; on a bad file keeps the current tokens and throws. */
  reloadTokens(): number {
    if (this.tokens === null) return 0;
    return this.tokens.reload();
  }

  middleware(): RequestHandler[] {
    const config = this.config;
    const allowedHosts = config.VNFM_ALLOWED_HOSTS.length > 0 ? config.VNFM_ALLOWED_HOSTS : config.VNFM_AUTH === 'off' ? [...LOOPBACK_NAMES, config.VNFM_HOST] : [];
    const scheme = config.VNFM_TLS_CERT === undefined ? 'http' : 'https';
    const refuse = (response: Response, error: VnfmError, request: Request) => this.refuse(response, error, request);
    return [
      fixedHeaders(helmet({ contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } }, strictTransportSecurity: scheme === 'https' })),
      ...(allowedHosts.length > 0 ? [asMiddleware(allowedHostCheck(allowedHosts), refuse)] : []),
      asMiddleware(sameOriginCheck(config.VNFM_CORS_ORIGINS, scheme), refuse),
      asMiddleware((request) => this.authenticate(request), refuse),
      asMiddleware((request) => this.limitWrites(request), refuse),
      (request: Request, response: Response, next: NextFunction) => (SAFE_METHODS.has(request.method) ? next() : asMiddleware(jsonBodiesOnly, refuse)(request, response, next)),
    ];
  }

  private authenticate(request: Request): void {
    if (this.tokens === null) return setIdentity(request, LOCAL_OPERATOR);
    const identity = authenticate(request, this.tokens);
    if (identity !== null) return setIdentity(request, identity);
    if (this.publicPaths.has(request.path) && SAFE_METHODS.has(request.method)) return;
    throw new VnfmError('unauthenticated', 'this request needs a bearer token (Authorization: Bearer <token>)');
  }

  private limitWrites(request: Request): void {
    const identity = identityOf(request);
    if (this.limiter === null || identity === null || SAFE_METHODS.has(request.method)) return;
    const waitSeconds = this.limiter.take(`${identity.via}:${identity.name}`);
    if (waitSeconds > 0) throw Object.assign(new VnfmError('rate-limited', `'${identity.name}' is making writes faster than ${this.config.VNFM_WRITE_RATE_PER_SECOND}/s; retry after ${waitSeconds} s`), { retryAfter: waitSeconds });
  }

  private refuse(response: Response, error: VnfmError, request: Request): void {
    if (error.code === 'unauthenticated') response.setHeader('WWW-Authenticate', 'Bearer realm="vnfm"');
    const retryAfter = (error as VnfmError & { retryAfter?: number }).retryAfter;
    if (retryAfter !== undefined) response.setHeader('Retry-After', String(retryAfter));
    sendProblem(response, forCaller({ ...problemOf(error), instance: request.originalUrl }, identityOf(request)));
  }
}
