import { describe, expect, it } from 'vitest';
import { VnfmError } from '../../core/src/index.js';
import { decodeCursor, encodeCursor } from './page-cursor.js';

describe('GET /vnfs cursors', () => {
  it('round-trip a name, opaque and URL-safe', () => {
    const cursor = encodeCursor('edge-router-7');
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(cursor).not.toContain('edge-router-7');
    expect(decodeCursor(cursor)).toBe('edge-router-7');
  });

  it.each([
    ['not base64url', 'a+b/c='],
    ['not JSON', Buffer.from('{after', 'utf8').toString('base64url')],
    ['no name', Buffer.from('{"x":1}', 'utf8').toString('base64url')],
    ['a name no VNF can have', Buffer.from('{"after":"UPPER case"}', 'utf8').toString('base64url')],
    ['empty', ''],
  ])('refuse a cursor vnfm did not make (%s): 400 naming cursor', (_label, cursor) => {
    try {
      decodeCursor(cursor);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(VnfmError);
      expect((error as VnfmError).code).toBe('invalid-request');
      expect(JSON.stringify((error as VnfmError).errors)).toContain('cursor');
    }
  });
});
