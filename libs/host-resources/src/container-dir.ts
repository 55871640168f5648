import { realpath, stat } from 'node:fs/promises';
import { isMissing } from './allowed-roots.js';
import { isBelowAny } from './path-policy.js';
import type { ResolvedImagePolicy } from './image-file.js';

/** Why a container's root or mount source is refused (worded like the image refusals). */
export const CONTAINER_DIR_REASONS = {
  outside: 'is not under an allowed image directory (VNFM_IMAGE_DIRS)',
  missing: 'does not exist',
  notDirectory: 'is not a directory',
  symlinkOut: 'is a symlink that leads outside the image directories',
  unreadable: 'cannot be read by vnfm',
} as const;

/**
 * Whether a host directory may be a container's root (`container.rootfs`) or be bind-mounted
 * into it (`container.mounts[].source`): a directory whose realpath lies below an image
 * directory. The lexical test comes first, so a path outside gets the same answer whether or
 * not it exists. undefined when allowed.
 */
export async function containerDirProblem(path: string, images: ResolvedImagePolicy): Promise<string | undefined> {
  if (!isBelowAny(path, images.roots.lexical)) return CONTAINER_DIR_REASONS.outside;
  let resolved: string;
  try {
    resolved = await realpath(path);
    if (!(await stat(resolved)).isDirectory()) return CONTAINER_DIR_REASONS.notDirectory;
  } catch (error) {
    return isMissing(error) ? CONTAINER_DIR_REASONS.missing : CONTAINER_DIR_REASONS.unreadable;
  }
  return isBelowAny(resolved, images.roots.resolved) ? undefined : CONTAINER_DIR_REASONS.symlinkOut;
}
