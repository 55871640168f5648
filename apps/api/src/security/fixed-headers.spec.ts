import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';
import { describe, expect, it } from 'vitest';
import { fixedHeaders } from './fixed-headers.js';

function headersOf(middleware: RequestHandler): Record<string, unknown> {
  const headers: Record<string, unknown> = { 'x-powered-by': 'Express' };
  const response = {
    setHeader: (name: string, value: unknown) => (headers[name.toLowerCase()] = value),
    removeHeader: (name: string) => delete headers[name.toLowerCase()],
  };
  let called = false;
  void middleware({ headers: {}, method: 'GET' } as unknown as Request, response as unknown as Response, (() => (called = true)) as NextFunction);
  expect(called).toBe(true);
  return headers;
}

describe('fixedHeaders', () => {
  it.each([
    ['http', false],
    ['https', true],
  ])("sets exactly helmet's headers (%s)", (_scheme, hsts) => {
    const options = { contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } }, strictTransportSecurity: hsts };
    const expected = headersOf(helmet(options));
    expect(Object.keys(expected).length).toBeGreaterThan(5);
    expect(headersOf(fixedHeaders(helmet(options)))).toEqual(expected);
  });

  it('refuses a middleware that does not answer at once', () => {
    expect(() => fixedHeaders(() => undefined)).toThrow(/synchronously/);
  });
});
