import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { TokenEntry } from './tokens-file.js';

/** A new bearer token: `vnfm_` and 32 random bytes, base64url. */
export function mintToken(): string {
  return `vnfm_${randomBytes(32).toString('base64url')}`;
}

export function sha256(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Presented tokens longer than this are refused unhashed. */
export const MAX_TOKEN_LENGTH = 512;

/**
 * The entry whose hash is the presented token's, compared in constant time against every entry
 * (no early exit, so the time says nothing about which entry or how much of it matched).
 */
export function matchToken(entries: readonly TokenEntry[], presented: string): TokenEntry | null {
  if (presented.length === 0 || presented.length > MAX_TOKEN_LENGTH) return null;
  const digest = sha256(presented);
  let found: TokenEntry | null = null;
  for (const entry of entries) {
    if (entry.hash === null) continue;
    if (timingSafeEqual(entry.hash, digest) && found === null) found = entry;
  }
  return found;
}
