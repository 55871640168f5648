import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runWithLogContext } from './log-context.js';
import { createPinoLogger, PinoNestLogger } from './pino-logger.js';
import { requestIdOf } from './request-id.js';

function capture(isTTY: boolean): { stream: PassThrough & { isTTY?: boolean }; text: () => string } {
  const stream = Object.assign(new PassThrough(), { isTTY });
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

describe('the pino logger', () => {
  it('writes JSON lines with the context, structured fields and the request context', () => {
    const out = capture(false);
    const logger = new PinoNestLogger(createPinoLogger({ level: 'log', format: 'auto', destination: out.stream }));
    runWithLogContext({ requestId: 'req-1', vnf: 'fw-1' }, () => logger.log({ msg: 'defined', audit: { status: 201 } }, 'Audit'));
    logger.warn('outside any request', 'Reconciler');
    logger.debug('below the level', 'Reconciler');
    const lines = out.text().trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: 30, msg: 'defined', context: 'Audit', requestId: 'req-1', vnf: 'fw-1', audit: { status: 201 }, service: 'vnfm' });
    expect(lines[1]).toMatchObject({ level: 40, msg: 'outside any request', context: 'Reconciler' });
    expect(lines[1]).not.toHaveProperty('requestId');
  });

  it('is readable on a terminal (auto) and when asked (pretty)', () => {
    const out = capture(true);
    createPinoLogger({ level: 'log', format: 'auto', destination: out.stream }).info({ vnf: 'fw-1' }, 'started');
    expect(out.text()).toContain('started');
    expect(() => JSON.parse(out.text())).toThrow();
  });

  it('takes a tame X-Request-Id, else makes one', () => {
    expect(requestIdOf('abc-123')).toBe('abc-123');
    expect(requestIdOf('with space')).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdOf(['a', 'b'])).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdOf('x'.repeat(200))).toMatch(/^[0-9a-f-]{36}$/);
  });
});
