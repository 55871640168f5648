import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter.js';
import { grants } from './scopes.js';
import { TokenStore, TokensFileError, bootstrapTokens } from './token-store.js';
import { matchToken, mintToken, sha256 } from './tokens.js';
import { parseTokensFile, tokensFileLine } from './tokens-file.js';

const hex = (token: string) => sha256(token).toString('hex');

describe('tokens file', () => {
  it('reads NAME SCOPES SHA256HEX lines, comments and blank lines', () => {
    const { entries, problems } = parseTokensFile(`# header\n\nops read,write ${hex('a')}  # trailing comment\ncert-only read -\nboss admin ${hex('b').toUpperCase()}\n`);
    expect(problems).toEqual([]);
    expect(entries.map((entry) => [entry.name, [...entry.scopes], entry.hash?.toString('hex') ?? null])).toEqual([
      ['ops', ['read', 'write'], hex('a')],
      ['cert-only', ['read'], null],
      ['boss', ['admin'], hex('b')],
    ]);
  });

  it.each([
    ['ops read', /found 2 field/],
    [`ops read ${hex('a')} extra`, /found 4 field/],
    [`-ops read ${hex('a')}`, /NAME must be/],
    [`ops root ${hex('a')}`, /unknown scope\(s\) root/],
    [`ops read, ${hex('a')}`, /unknown scope/],
    ['ops read abc', /64 hex digits/],
    [`ops read ${hex('a')}\nops write ${hex('b')}`, /appears a second time/],
    [`ops read ${hex('a')}\nOPS write ${hex('b')}`, /appears a second time/],
    [`ops read ${hex('a')}\nother write ${hex('a')}`, /the same token hash as 'ops'/],
  ])('refuses %j', (text, reason) => {
    const { problems } = parseTokensFile(text);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.map((problem) => problem.reason).join('; ')).toMatch(reason);
  });

  it('formats the line parse reads back', () => {
    const line = tokensFileLine('ci', ['read', 'write'], hex('t'));
    expect(parseTokensFile(line).entries[0]).toMatchObject({ name: 'ci' });
  });
});

describe('tokens', () => {
  it('minted tokens are random and match only their own hash', () => {
    const [one, two] = [mintToken(), mintToken()];
    expect(one).not.toBe(two);
    expect(one).toMatch(/^vnfm_[A-Za-z0-9_-]{43}$/);
    const { entries } = parseTokensFile(`a read ${hex(one)}\nb write ${hex(two)}\nc read -`);
    expect(matchToken(entries, one)?.name).toBe('a');
    expect(matchToken(entries, two)?.name).toBe('b');
    expect(matchToken(entries, `${one}x`)).toBeNull();
    expect(matchToken(entries, '')).toBeNull();
    expect(matchToken(entries, 'x'.repeat(10_000))).toBeNull();
  });

  it('scopes nest: admin > write > read', () => {
    expect(grants(new Set(['admin']), 'read')).toBe(true);
    expect(grants(new Set(['write']), 'read')).toBe(true);
    expect(grants(new Set(['write']), 'admin')).toBe(false);
    expect(grants(new Set(['read']), 'write')).toBe(false);
    expect(grants(new Set(), 'read')).toBe(false);
  });
});

describe('token store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vnfm-tokens-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('first start: admin.token (0600) and a tokens file holding only its hash; never again once made', () => {
    const db = join(dir, 'first', 'vnfm.db');
    mkdirSync(join(dir, 'first'));
    const made = bootstrapTokens(db);
    expect(made).toBe(join(dir, 'first', 'admin.token'));
    const token = readFileSync(made!, 'utf8').trim();
    expect(statSync(made!).mode & 0o777).toBe(0o600);
    const tokens = readFileSync(join(dir, 'first', 'tokens'), 'utf8');
    expect(tokens).not.toContain(token);
    expect(tokens).toContain(hex(token));
    expect(new TokenStore(join(dir, 'first', 'tokens')).byToken(token)?.name).toBe('admin');
    expect(bootstrapTokens(db)).toBeNull();
    expect(readFileSync(made!, 'utf8').trim()).toBe(token);
  });

  it('reload keeps the tokens in force when the new file is bad', () => {
    const path = join(dir, 'reload');
    writeFileSync(path, `a read ${hex('one')}\n`, { mode: 0o600 });
    const store = new TokenStore(path);
    writeFileSync(path, 'garbage\n');
    expect(() => store.reload()).toThrow(TokensFileError);
    expect(store.byToken('one')?.name).toBe('a');
    writeFileSync(path, `b read ${hex('two')}\n`);
    expect(store.reload()).toBe(1);
    expect(store.byToken('one')).toBeNull();
    expect(store.byName('b')).not.toBeNull();
  });

  it("refuses a file owned by another user (it could grant itself admin), and the first start never reuses a planted file", () => {
    const path = join(dir, 'planted');
    writeFileSync(path, `a admin ${hex('one')}\n`, { mode: 0o600 });
    chownSync(path, 65534, 65534);
    expect(() => new TokenStore(path)).toThrow(/owned by uid 65534/);
    const db = join(dir, 'planted-db', 'vnfm.db');
    mkdirSync(join(dir, 'planted-db'));
    // Another user's file where admin.token goes: replaced (rename), not written through.
    writeFileSync(join(dir, 'planted-db', 'admin.token'), 'theirs\n', { mode: 0o666 });
    chownSync(join(dir, 'planted-db', 'admin.token'), 65534, 65534);
    bootstrapTokens(db);
    const made = statSync(join(dir, 'planted-db', 'admin.token'));
    expect([made.uid, made.mode & 0o777]).toEqual([process.geteuid!(), 0o600]);
  });

  it('refuses a file that group or others can write, and a missing one', () => {
    const path = join(dir, 'open');
    writeFileSync(path, `a read ${hex('one')}\n`);
    chmodSync(path, 0o620);
    expect(() => new TokenStore(path)).toThrow(/writable by group or others/);
    expect(() => new TokenStore(join(dir, 'absent'))).toThrow(/cannot be read \(ENOENT\)/);
  });
});

describe('rate limiter', () => {
  it('lets a burst through, then one per refill, per key', () => {
    let now = 0;
    const limiter = new RateLimiter(2, 3, () => now);
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([0, 0, 0]);
    expect(limiter.take('a')).toBe(1);
    expect(limiter.take('b')).toBe(0);
    now = 500;
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBeGreaterThanOrEqual(1);
    now = 60_000;
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([0, 0, 0, 1]);
  });
});
