import { lstat, realpath } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isMissing, resolveRoots } from './allowed-roots.js';
import { SOCKET_REASONS, isWithinAny } from './path-policy.js';

/**
 * Why a vhost-user socket path is refused, or undefined: its directory must resolve to one of
 * VNFM_VHOST_SOCKET_DIRS (or below); the socket itself may not exist yet (QEMU or OVS creates
 * it), but if it does it must be a socket, not a symlink or a file. Containment comes first.
 */
export async function vhostSocketProblem(path: string, socketDirs: readonly string[]): Promise<string | undefined> {
  const roots = await resolveRoots(socketDirs);
  const parent = dirname(path);
  if (!isWithinAny(parent, roots.lexical)) return SOCKET_REASONS.outside;
  let resolvedParent: string;
  try {
    resolvedParent = await realpath(parent);
  } catch (error) {
    return isMissing(error) ? SOCKET_REASONS.dirMissing : SOCKET_REASONS.unreadable;
  }
  if (!isWithinAny(resolvedParent, roots.resolved)) return SOCKET_REASONS.dirOut;
  try {
    const found = await lstat(path);
    if (found.isSymbolicLink()) return SOCKET_REASONS.symlink;
    if (!found.isSocket()) return SOCKET_REASONS.notSocket;
  } catch (error) {
    if (!isMissing(error)) return SOCKET_REASONS.unreadable;
  }
  return undefined;
}
