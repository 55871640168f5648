/**
 * Where a host path may lead: the pure half of the allow-list checks. Nothing here touches the
 * file system; the file checks hand in paths they resolved.
 */

/** `path` is `dir` itself or lies below it (both absolute and normalised). */
export function isWithin(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
}

/** `path` lies strictly below one of `dirs`. */
export function isBelowAny(path: string, dirs: readonly string[]): boolean {
  return dirs.some((dir) => path !== dir && isWithin(path, dir));
}

/** `path` is one of `dirs` or lies below one of them. */
export function isWithinAny(path: string, dirs: readonly string[]): boolean {
  return dirs.some((dir) => isWithin(path, dir));
}

/**
 * A qcow2 backing or data file name QEMU would open as a plain file: no protocol prefix
 * (`json:`, `nbd:`, `http:`, `file:` ...). QEMU takes a `:` before the first `/` as a protocol.
 */
export function isPlainFileName(name: string): boolean {
  if (name === '' || /[\u0000-\u001f]/.test(name)) return false;
  const colon = name.indexOf(':');
  const slash = name.indexOf('/');
  return colon === -1 || (slash !== -1 && slash < colon);
}

/**
 * Why a path is refused, worded so that it says nothing about the host the caller did not send:
 * never a resolved path or a symlink's target, and containment is decided before existence.
 */
export const IMAGE_REASONS = {
  outside: 'is not under an allowed image directory (VNFM_IMAGE_DIRS)',
  missing: 'does not exist',
  notRegular: 'is not a regular file',
  symlinkOut: 'is a symlink that leads outside the image directories',
  blockUnlisted: 'is a block device not listed in VNFM_BLOCK_DEVICES',
  notBlock: 'is listed in VNFM_BLOCK_DEVICES but is not a block device',
  unreadable: 'cannot be read by vnfm',
} as const;

export type ImageRefusal = keyof typeof IMAGE_REASONS;

/** How a refusal of a file in a qcow2 chain reads on the disk that holds the chain. */
export function chainReason(role: 'backing file' | 'data file', refusal: ImageRefusal | 'notPlain' | 'tooDeep' | 'unreadableQcow2'): string {
  switch (refusal) {
    case 'outside':
    case 'symlinkOut':
      return `its qcow2 ${role} is outside the image directories`;
    case 'notPlain':
      return `its qcow2 ${role} is not a plain file path (json:, nbd:, http: and other protocols are refused)`;
    case 'tooDeep':
      return `its qcow2 backing chain is longer than ${MAX_CHAIN_DEPTH} images`;
    case 'unreadableQcow2':
      return `its qcow2 ${role} is not a readable qcow2 image`;
    default:
      return `its qcow2 ${role} ${IMAGE_REASONS[refusal]}`;
  }
}

/** Backing chains longer than this are refused (QEMU itself stops far later). */
export const MAX_CHAIN_DEPTH = 16;

export const SOCKET_REASONS = {
  outside: 'is not under an allowed vhost-user socket directory (VNFM_VHOST_SOCKET_DIRS)',
  dirMissing: 'is in a directory that does not exist',
  dirOut: 'is in a directory that leads outside the vhost-user socket directories',
  symlink: 'is a symlink (a vhost-user socket path must name the socket itself)',
  notSocket: 'exists and is not a socket',
  unreadable: 'cannot be read by vnfm',
} as const;

export const DIRECT_REASONS = {
  missing: 'is not a network interface on this host',
  loopback: 'is the loopback interface',
  bridge: 'is a bridge (attach to it with an interface of type bridge)',
  bondMember: 'is a member of a bond',
  defaultRoute: "carries the host's default route",
  listenAddress: 'carries the address vnfm listens on (VNFM_HOST)',
} as const;
