import { type CanActivate, type ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { grants, type Scope } from '../../../../libs/auth/src/index.js';
import { VnfmError } from '../../../../libs/core/src/index.js';
import { identityOf } from './request-identity.js';

export const ACCESS_METADATA = 'vnfm:access';

/** What a route needs: a scope, or `public` (health probes: no token). */
export type AccessRule = Scope | 'public';

/** `@Access('read')`, `@Access('write')`, `@Access('admin')`, `@Access('public')`; a route without it needs admin. */
export function Access(rule: AccessRule): MethodDecorator & ClassDecorator {
  return SetMetadata(ACCESS_METADATA, rule);
}

/** The rule of a handler (its own, else its controller's, else admin). */
export function accessRuleOf(reflector: Reflector, context: ExecutionContext): AccessRule {
  return reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_METADATA, [context.getHandler(), context.getClass()]) ?? 'admin';
}

/** Throws 403 unless the request's caller holds `scope` (for a rule that depends on the request, such as `?live=true`). */
export function requireScope(request: Request, scope: Scope): void {
  const identity = identityOf(request);
  if (identity === null) throw new VnfmError('unauthenticated', 'this request needs a bearer token');
  if (!grants(identity.scopes, scope)) throw new VnfmError('forbidden', `'${identity.name}' lacks the '${scope}' scope this request needs`);
}

/**
 * Authorization (every route): the caller must hold the route's scope. Authentication ran before,
 * as middleware, so an unauthenticated request never reaches a non-public route; this guard is
 * the second lock and the one that knows the route.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return false;
    const rule = accessRuleOf(this.reflector, context);
    if (rule === 'public') return true;
    requireScope(context.switchToHttp().getRequest<Request>(), rule);
    return true;
  }
}
