import { readFileSync } from 'node:fs';
import { join } from 'node:path';

function readLines(path: string): string[] {
  try {
    return readFileSync(path, 'utf8').split('\n').filter((line) => line.trim() !== '');
  } catch {
    return [];
  }
}

/**
 * The interfaces the host's default routes leave through, from `<procfs>/net/route` (IPv4) and
 * `<procfs>/net/ipv6_route` (IPv6). Giving such an interface to a guest would cut the host off.
 */
export function defaultRouteInterfaces(procfsRoot: string): Set<string> {
  const interfaces = new Set<string>();
  for (const line of readLines(join(procfsRoot, 'net', 'route')).slice(1)) {
    const [iface, destination, , flags, , , , mask] = line.trim().split(/\s+/);
    const up = (Number.parseInt(flags ?? '0', 16) & 0x1) === 0x1;
    if (iface && destination === '00000000' && mask === '00000000' && up) interfaces.add(iface);
  }
  for (const line of readLines(join(procfsRoot, 'net', 'ipv6_route'))) {
    const fields = line.trim().split(/\s+/);
    const iface = fields[9];
    if (fields[0] === '0'.repeat(32) && fields[1] === '00' && iface && iface !== 'lo') interfaces.add(iface);
  }
  return interfaces;
}
