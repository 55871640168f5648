import { constants } from 'node:fs';
import { open, realpath, stat } from 'node:fs/promises';
import { resolveEach, resolveRoots, isMissing, type AllowedRoots } from './allowed-roots.js';
import { isBelowAny, type ImageRefusal } from './path-policy.js';

/** The allow-lists a host image path is checked against. */
export interface ImagePolicy {
  imageDirs: readonly string[];
  blockDevices: readonly string[];
}

/** A path's allow-lists, resolved once for one check (directories may come and go). */
export interface ResolvedImagePolicy {
  roots: AllowedRoots;
  /** The listed block devices as given. */
  listed: ReadonlySet<string>;
  /** The realpath of each listed block device. */
  listedResolved: ReadonlySet<string>;
}

export async function resolveImagePolicy(policy: ImagePolicy): Promise<ResolvedImagePolicy> {
  return { roots: await resolveRoots(policy.imageDirs), listed: new Set(policy.blockDevices), listedResolved: await resolveEach(policy.blockDevices) };
}

export type ImageVerdict = { ok: true; resolved: string; kind: 'file' | 'block' } | { ok: false; refusal: ImageRefusal };

/**
 * Whether a host path may be given to a guest as a disk, kernel, initrd or dtb: a regular file
 * whose realpath is under an image directory, or a block device listed in VNFM_BLOCK_DEVICES.
 * The lexical test comes first, so a path outside gets the same answer whether or not it exists.
 */
export async function checkImagePath(path: string, policy: ResolvedImagePolicy): Promise<ImageVerdict> {
  const listed = policy.listed.has(path);
  if (!listed && !isBelowAny(path, policy.roots.lexical)) return { ok: false, refusal: 'outside' };
  let resolved: string;
  let kind: 'file' | 'block' | 'other';
  try {
    resolved = await realpath(path);
    const found = await stat(resolved);
    kind = found.isFile() ? 'file' : found.isBlockDevice() ? 'block' : 'other';
  } catch (error) {
    return { ok: false, refusal: isMissing(error) ? 'missing' : 'unreadable' };
  }
  // A block device is named by its listed path: the designer writes <disk type='block'> for exactly those.
  if (kind === 'block' && listed && policy.listedResolved.has(resolved)) return { ok: true, resolved, kind };
  if (listed) return { ok: false, refusal: 'notBlock' };
  // Whatever a symlink out leads to, the answer is the same.
  if (!isBelowAny(resolved, policy.roots.resolved)) return { ok: false, refusal: 'symlinkOut' };
  if (kind === 'block') return { ok: false, refusal: 'blockUnlisted' };
  if (kind !== 'file') return { ok: false, refusal: 'notRegular' };
  return { ok: true, resolved, kind };
}

/**
 * Up to `length` bytes at `position` of a file already checked, opened without following a
 * symlink and without blocking (a FIFO swapped in meanwhile must not hang the check).
 */
export async function readBytes(resolved: string, position: number, length: number): Promise<Buffer> {
  const handle = await open(resolved, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const info = await handle.stat();
    if (!info.isFile() && !info.isBlockDevice()) throw new Error('not a file');
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, position);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
