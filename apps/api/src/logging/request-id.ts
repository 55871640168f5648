import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { VNF_NAME } from '../../../../libs/vnf/src/index.js';
import { runWithLogContext } from './log-context.js';

/** A caller's request id is taken only if it is this tame (a UUID, a ULID, a trace id); else one is made. */
export const REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

const VNF_PATH = /^\/api\/v1\/vnfs\/([^/?]+)/;

/** The caller's `X-Request-Id` if it fits REQUEST_ID, else a new UUID. */
export function requestIdOf(header: string | string[] | undefined): string {
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
}

/**
 * First on every request: picks the request id, echoes it in `X-Request-Id`, and runs the rest of
 * the request with it (and the VNF name in the path, when valid) on every log line.
 */
export function requestIds(): RequestHandler {
  return (request: Request, response: Response, next: NextFunction) => {
    const requestId = requestIdOf(request.headers['x-request-id']);
    response.setHeader('X-Request-Id', requestId);
    const name = VNF_PATH.exec(request.path)?.[1];
    runWithLogContext({ requestId, ...(name !== undefined && VNF_NAME.test(name) ? { vnf: name } : {}) }, next);
  };
}
