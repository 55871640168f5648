import { lookup } from 'node:dns/promises';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { isIP } from 'node:net';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { join } from 'node:path';
import { defaultRouteInterfaces } from '../../host-devices/src/default-route.js';
import { DIRECT_REASONS } from './path-policy.js';

/** What the `direct` (macvtap) check looks at on the host; the functions are injectable for tests. */
export interface DirectInterfaceHost {
  sysfsRoot: string;
  procfsRoot: string;
  /** VNFM_HOST: the address (or name) vnfm listens on. */
  listenHost: string;
  /** Addresses per interface; default os.networkInterfaces(). */
  addresses?: () => NodeJS.Dict<NetworkInterfaceInfo[]>;
  /** Resolves a host name to addresses; default dns.lookup. */
  resolveHost?: (host: string) => Promise<string[]>;
}

const ARPHRD_LOOPBACK = '772';

/**
 * Why a `direct` interface's host device is refused, or undefined: it must exist and must not be
 * the loopback, a bridge, a bond member, the interface of the default route, or the one that
 * carries the address vnfm listens on (a macvtap in passthrough mode would take it away).
 */
export async function directInterfaceProblem(device: string, host: DirectInterfaceHost): Promise<string | undefined> {
  const dir = join(host.sysfsRoot, 'class', 'net', device);
  if (!existsSync(dir)) return DIRECT_REASONS.missing;
  if (device === 'lo' || readAttribute(join(dir, 'type')) === ARPHRD_LOOPBACK) return DIRECT_REASONS.loopback;
  if (existsSync(join(dir, 'bridge'))) return DIRECT_REASONS.bridge;
  if (existsSync(join(dir, 'bonding_slave')) || masterIsBond(dir)) return DIRECT_REASONS.bondMember;
  if (defaultRouteInterfaces(host.procfsRoot).has(device)) return DIRECT_REASONS.defaultRoute;
  if (await carriesListenAddress(device, host)) return DIRECT_REASONS.listenAddress;
  return undefined;
}

function readAttribute(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function masterIsBond(dir: string): boolean {
  try {
    return existsSync(join(realpathSync(join(dir, 'master')), 'bonding'));
  } catch {
    return false;
  }
}

const WILDCARDS: Record<string, 'IPv4' | 'any'> = { '0.0.0.0': 'IPv4', '::': 'any', '[::]': 'any' };

async function carriesListenAddress(device: string, host: DirectInterfaceHost): Promise<boolean> {
  const own = (host.addresses ?? networkInterfaces)()[device] ?? [];
  if (own.length === 0) return false;
  const wildcard = WILDCARDS[host.listenHost];
  // vnfm on 0.0.0.0 is reachable on every IPv4 address; on :: on every address.
  if (wildcard) return own.some((info) => wildcard === 'any' || info.family === 'IPv4');
  const listening = await listenAddresses(host);
  return own.some((info) => listening.has(canonical(info.address)));
}

async function listenAddresses(host: DirectInterfaceHost): Promise<Set<string>> {
  const bare = host.listenHost.replace(/^\[(.*)\]$/, '$1');
  if (isIP(bare) !== 0) return new Set([canonical(bare)]);
  const resolveHost = host.resolveHost ?? (async (name: string) => (await lookup(name, { all: true })).map((entry) => entry.address));
  try {
    return new Set((await resolveHost(bare)).map(canonical));
  } catch {
    return new Set();
  }
}

/** IPv6 compared without zone and case; IPv4-mapped IPv6 as the IPv4 address. */
function canonical(address: string): string {
  const plain = address.replace(/%.*$/, '').toLowerCase();
  return plain.startsWith('::ffff:') && isIP(plain.slice(7)) === 4 ? plain.slice(7) : plain;
}
