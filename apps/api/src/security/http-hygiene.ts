import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { VnfmError } from '../../../../libs/core/src/index.js';

/** Express middleware that refuses with a VnfmError, which the caller's `refuse` turns into a problem. */
export type Check = (request: Request) => void;

export function asMiddleware(check: Check, refuse: (response: Response, error: VnfmError, request: Request) => void): RequestHandler {
  return (request: Request, response: Response, next: NextFunction) => {
    try {
      check(request);
    } catch (error) {
      if (error instanceof VnfmError) return refuse(response, error, request);
      return next(error);
    }
    next();
  };
}

/** `Host` must be one of `allowed` (`name` matches any port, `name:port` only that port). */
export function allowedHostCheck(allowed: readonly string[]): Check {
  const entries = allowed.map((entry) => entry.toLowerCase());
  return (request) => {
    const host = (request.headers.host ?? '').toLowerCase();
    const bare = host.replace(/:\d+$/, '');
    if (!entries.some((entry) => entry === host || entry === bare)) {
      throw new VnfmError('host-not-allowed', `this service does not answer for host '${host.slice(0, 100)}' (VNFM_ALLOWED_HOSTS)`);
    }
  };
}

/**
 * A browser's cross-site request is refused: an `Origin` (or `Sec-Fetch-Site: cross-site`) that
 * is neither this service's own origin nor one of `corsOrigins`.
 */
export function sameOriginCheck(corsOrigins: readonly string[], scheme: 'http' | 'https'): Check {
  const allowed = new Set(corsOrigins.map((origin) => origin.toLowerCase()));
  return (request) => {
    const origin = request.headers.origin?.toLowerCase();
    if (origin !== undefined) {
      if (origin === `${scheme}://${(request.headers.host ?? '').toLowerCase()}` || allowed.has(origin)) return;
      throw new VnfmError('forbidden', `cross-origin requests from '${origin.slice(0, 100)}' are not allowed (VNFM_CORS_ORIGINS)`);
    }
    if (request.headers['sec-fetch-site'] === 'cross-site') throw new VnfmError('forbidden', 'cross-site requests are not allowed');
  };
}

const JSON_TYPE = /^application\/json\s*(;\s*charset=("?)utf-8\2\s*)?$/i;

/** A request that declares a content type, or carries a body, must be `application/json`. */
export const jsonBodiesOnly: Check = (request) => {
  const type = request.headers['content-type'];
  const length = request.headers['content-length'];
  const hasBody = request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  if (type === undefined ? hasBody : !JSON_TYPE.test(type)) {
    throw new VnfmError('unsupported-media-type', `request bodies must be application/json${type === undefined ? '' : `, not ${type.slice(0, 100)}`}`);
  }
};

export const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);
