import { type CallHandler, type ExecutionContext, Injectable, Logger, type NestInterceptor } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { from, mergeMap, type Observable } from 'rxjs';
import type { Identity } from '../../../../libs/auth/src/index.js';
import { VnfEventRepository, VnfRepository } from '../../../../libs/inventory/src/index.js';
import { VNF_NAME } from '../../../../libs/vnf/src/index.js';
import { SAFE_METHODS } from './http-hygiene.js';
import { identityOf } from './request-identity.js';

const VNF_PATH = /^\/api\/v1\/vnfs\/([^/?]+)/i;

export function callerOf(identity: Identity | null): string {
  return identity === null ? 'anonymous' : `${identity.via === 'certificate' ? 'certificate' : identity.via === 'token' ? 'token' : 'auth-off'} '${identity.name}'`;
}

/** A VNF name, if `text` is one (the path is the caller's: never decoded blindly, never logged raw). */
function validName(text: string | undefined): string | null {
  return text !== undefined && VNF_NAME.test(text) ? text : null;
}

/** The VNF a write is about: the name in its path, or the name of the VNF a POST created. */
function vnfNameOf(request: Request, created?: unknown): string | null {
  const match = VNF_PATH.exec(request.path);
  if (match) return validName(match[1]);
  const name = (created as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' ? validName(name) : null;
}

/** The request target as a log can carry it: printable ASCII only, at most 300 characters. */
function loggable(text: string): string {
  return text.slice(0, 300).replace(/[^\x21-\x7e]/g, (char) => `%${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * The audit log: one line for every write (refused ones too), with the caller, the route, the
 * VNF and the status, written when the response is finished.
 */
export function auditLog(logger = new Logger('Audit')): RequestHandler {
  return (request: Request, response: Response, next: NextFunction) => {
    if (!SAFE_METHODS.has(request.method)) {
      response.on('finish', () => {
        const vnf = vnfNameOf(request) ?? validName((response.getHeader('location') as string | undefined)?.split('/').pop());
        const method = loggable(request.method);
        const target = loggable(request.originalUrl);
        const caller = callerOf(identityOf(request));
        const line = {
          msg: `${method} ${target} by ${caller}${vnf ? ` vnf=${vnf}` : ''} -> ${response.statusCode}`,
          audit: { method, target, caller, status: response.statusCode },
          ...(vnf ? { vnf } : {}),
        };
        if (response.statusCode >= 400) logger.warn(line);
        else logger.log(line);
      });
    }
    next();
  };
}

/**
 * Every accepted write on a VNF is also told in the VNF's own events (before the answer goes
 * out): who did what. Refused writes write nothing, so they are only in the log.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(
    private readonly vnfs: VnfRepository,
    private readonly events: VnfEventRepository,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<Request>();
    if (SAFE_METHODS.has(request.method)) return next.handle();
    return next.handle().pipe(mergeMap((body: unknown) => from(this.record(request, body).then(() => body))));
  }

  private async record(request: Request, body: unknown): Promise<void> {
    if ((body as { dryRun?: unknown } | null)?.dryRun === true) return;
    const name = vnfNameOf(request, body);
    const vnf = name === null ? null : this.vnfs.findByName(name);
    if (vnf === null) return;
    const route = `${request.method} ${request.route?.path ?? request.path}`;
    await this.events.record(vnf.id, vnf.name, 'Request', `${route} by ${callerOf(identityOf(request))}`).catch(() => undefined);
  }
}
