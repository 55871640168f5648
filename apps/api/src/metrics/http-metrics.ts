import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { VnfmMetrics } from './vnfm-metrics.js';

/** The route template (`/api/v1/vnfs/:name`), never the raw path: one series per route, not per URL. */
function routeOf(request: Request): string {
  const path = (request.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? `${request.baseUrl}${path}` : 'unmatched';
}

/** Times every request to its finish, by method, route template and status. */
export function httpMetrics(metrics: VnfmMetrics): RequestHandler {
  return (request: Request, response: Response, next: NextFunction) => {
    const stop = metrics.httpSeconds.startTimer();
    response.on('finish', () => stop({ method: request.method.length <= 10 ? request.method : 'other', route: routeOf(request), status: String(response.statusCode) }));
    next();
  };
}
