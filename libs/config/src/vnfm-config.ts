import { statSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { parseDeviceAllowList } from '../../host-devices/src/device-allow-list.js';
import { ABSOLUTE_PATH } from '../../vnf/src/patterns.js';

/**
 * Every setting vnfm reads from its environment, validated once at boot.
 * A bad value stops the process with a message naming the variable.
 */
const port = z.coerce.number().int().min(1).max(65535);
const absolutePath = z.string().regex(ABSOLUTE_PATH, 'must be an absolute normalised path');
const positiveMs = z.coerce.number().int().min(100).max(86_400_000);
/**
 * What makes a database path unusable before anything opens it: an existing path that is not a
 * regular file (a directory, a device such as /dev/null), or an existing ancestor that is not a
 * directory. A path that does not exist yet is fine: vnfm creates it with its folder.
 */
function databasePathProblem(path: string): string | undefined {
  const found = existing(path);
  if (typeof found === 'string') return found;
  if (found) return found.isFile() ? undefined : `must name a database file: ${JSON.stringify(path)} is ${found.isDirectory() ? 'a directory' : 'not a regular file'}`;
  for (let folder = dirname(path); ; folder = dirname(folder)) {
    const above = existing(folder);
    if (typeof above === 'string') return above;
    if (above) return above.isDirectory() ? undefined : `cannot hold a database: ${JSON.stringify(folder)} is not a directory`;
    if (dirname(folder) === folder) return undefined;
  }
}

/**
 * The path's stat; undefined when it does not exist (or a file stands where a folder would be on
 * the way); the problem when it cannot be looked at (a symlink loop, a folder this user may not enter).
 */
function existing(path: string): Stats | undefined | string {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') return undefined;
    return `${JSON.stringify(path)} cannot be looked at (${code ?? (error as Error).message})`;
  }
}

/** `/a:/b`: colon-separated absolute paths (empty: none). */
function pathList(what: string, options: { noPseudoFs?: boolean } = {}) {
  return z.string().transform((text, ctx) => {
    const entries = text.split(':').filter((entry) => entry !== '');
    for (const entry of entries) {
      if (!ABSOLUTE_PATH.test(entry) || entry.split('/').some((segment) => segment === '.' || segment === '..')) {
        ctx.addIssue({ code: 'custom', message: `${JSON.stringify(entry)} is not an absolute normalised path (${what} are colon-separated absolute paths)` });
      } else if (options.noPseudoFs && /^\/(proc|sys|dev)(\/|$)/.test(entry)) {
        ctx.addIssue({ code: 'custom', message: `${JSON.stringify(entry)} is under /proc, /sys or /dev, which hold no images` });
      }
    }
    return entries;
  });
}
const booleanText = z.enum(['true', 'false']).transform((text) => text === 'true');
/** A comma-separated list, each item matching `item`; empty when unset. */
const commaList = (item: RegExp, what: string) =>
  z
    .string()
    .default('')
    .transform((text) => text.split(',').map((entry) => entry.trim()).filter((entry) => entry !== ''))
    .refine((entries) => entries.every((entry) => item.test(entry)), `must be a comma-separated list of ${what}`);

export const vnfmEnvSchema = z.strictObject({
  VNFM_PORT: port.default(8080),
  VNFM_HOST: z
    .string()
    .regex(/^[A-Za-z0-9.:\-[\]]{1,253}$/, 'must be a host name or an IP address')
    .default('127.0.0.1'),
  VNFM_LIBVIRT_URI: z
    .string()
    .regex(/^[a-z][a-z0-9+]*:\/\/[^\s'"<>]*$/, 'must be a libvirt URI such as qemu:///system')
    .default('qemu:///system'),
  /** libvirt's LXC driver, for container VNFs: `lxc:///` (the system libvirtd), another URI, or `off` (no containers). */
  VNFM_LXC_URI: z
    .string()
    .regex(/^(off|[a-z][a-z0-9+]*:\/\/[^\s'"<>]*)$/, 'must be a libvirt URI such as lxc:/// or off')
    .default('lxc:///'),
  /** The SQLite file (created with its folder). Not `:memory:`: what vnfm acknowledged must outlive the process. */
  VNFM_DB_PATH: z
    .string()
    .min(1)
    .refine((path) => path !== ':memory:', 'must be a file: an in-memory database loses every acknowledged write when vnfm stops')
    .superRefine((path, ctx) => {
      const problem = databasePathProblem(path);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    })
    .default('./data/vnfm.db'),
  VNFM_SYSFS_ROOT: absolutePath.default('/sys'),
  VNFM_PROCFS_ROOT: absolutePath.default('/proc'),
  /** PCI devices still on a host driver that libvirt may detach (managed='yes'): `8086:154c,0000:03:00.*`. */
  VNFM_DEVICE_ALLOW: z
    .string()
    .default('')
    .superRefine((text, ctx) => {
      try {
        parseDeviceAllowList(text);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
      }
    }),
  /** QEMU binary for aarch64 guests, e.g. NXP's build with vfio-fsl-mc; unset: libvirt's default. */
  VNFM_EMULATOR_AARCH64: absolutePath.optional(),
  VNFM_EMULATOR_X86_64: absolutePath.optional(),
  /** Read by the host preflight to check cgroup_device_acl for /dev/vfio. */
  VNFM_QEMU_CONF_PATH: absolutePath.default('/etc/libvirt/qemu.conf'),
  VNFM_DEV_ROOT: absolutePath.default('/dev'),
  VNFM_RECONCILE_INTERVAL_MS: positiveMs.default(30_000),
  /** React to libvirt domain events at once (a hint; the interval pass stays the truth). */
  VNFM_DOMAIN_EVENT_HINTS: z.enum(['on', 'off']).default('on'),
  /** After a graceful shutdown request, how long before the guest is destroyed. */
  VNFM_SHUTDOWN_TIMEOUT_MS: positiveMs.default(60_000),
  /** A domain with vnfm's mark but no VNF: `report` it (default) or `delete` it. */
  VNFM_ORPHAN_POLICY: z.enum(['report', 'delete']).default('report'),
  /** Start-failure backoff: first delay and cap (doubling in between, with jitter). */
  VNFM_START_BACKOFF_BASE_MS: positiveMs.default(5_000),
  VNFM_START_BACKOFF_MAX_MS: positiveMs.default(300_000),
  /** For crash tests only: SIGKILL the process at this step. */
  VNFM_FAILPOINT: z.enum(['after-commit', 'after-define', 'after-start', 'after-destroy', 'after-undefine', 'before-forget']).optional(),
  VNFM_LIBVIRT_CALL_TIMEOUT_MS: positiveMs.default(30_000),
  VNFM_LIBVIRT_PROBE_INTERVAL_MS: positiveMs.default(5_000),
  VNFM_LIBVIRT_MAX_INFLIGHT: z.coerce.number().int().min(1).max(64).default(4),
  VNFM_DOMAIN_TYPE: z.enum(['auto', 'kvm', 'qemu']).default('auto'),
  /** Where disk, kernel, initrd and dtb files (and qcow2 backing files) may live. */
  VNFM_IMAGE_DIRS: pathList('image directories', { noPseudoFs: true }).default(['/var/lib/vnfm/images', '/var/lib/libvirt/images']),
  /** The host block devices a disk may name, e.g. `/dev/disk/by-id/nvme-X:/dev/sdb`; none by default. */
  VNFM_BLOCK_DEVICES: pathList('block devices').default([]),
  /** Where vhost-user sockets may live. */
  VNFM_VHOST_SOCKET_DIRS: pathList('vhost-user socket directories', { noPseudoFs: true }).default(['/run/openvswitch', '/var/run/openvswitch']),
  VNFM_LOG_LEVEL: z.enum(['error', 'warn', 'log', 'debug', 'verbose']).default('log'),
  /** `json`: one JSON object a line (pino); `pretty`: readable lines; `auto`: pretty on a terminal, JSON otherwise. */
  VNFM_LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  /** Bearer-token (and client-certificate) authentication; `off` only on a loopback VNFM_HOST. */
  VNFM_AUTH: z.enum(['on', 'off']).default('on'),
  /** `NAME SCOPES SHA256HEX` per line; unset: `tokens` beside the database, made on first start. */
  VNFM_TOKENS_FILE: absolutePath.optional(),
  /** Serve /metrics without a token. */
  VNFM_METRICS_PUBLIC: booleanText.default(false),
  /** HTTPS: PEM certificate chain and key; with VNFM_TLS_CLIENT_CA, clients must show a certificate it signed. */
  VNFM_TLS_CERT: absolutePath.optional(),
  VNFM_TLS_KEY: absolutePath.optional(),
  VNFM_TLS_CLIENT_CA: absolutePath.optional(),
  /** Plain HTTP on a non-loopback address (behind a TLS-terminating proxy, say). */
  VNFM_ALLOW_PLAINTEXT: booleanText.default(false),
  /** `Host` headers served (`name` or `name:port`, comma-separated); unset: any. */
  VNFM_ALLOWED_HOSTS: commaList(/^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$|^\[[0-9A-Fa-f:.]{2,45}\](:\d{1,5})?$/, 'a host name, an IPv4 address or a [bracketed] IPv6 address, each with an optional :port'),
  /** Browser origins allowed to call the API (CORS), comma-separated; unset: none. */
  VNFM_CORS_ORIGINS: commaList(/^https?:\/\/[A-Za-z0-9.-]{1,253}(:\d{1,5})?$|^https?:\/\/\[[0-9A-Fa-f:.]{2,45}\](:\d{1,5})?$/, 'an origin such as https://ops.example.net:8443'),
  /** Writes per second each caller may make, and how many at once (a token bucket); 0: no limit. */
  VNFM_WRITE_RATE_PER_SECOND: z.coerce.number().min(0).max(100_000).default(20),
  VNFM_WRITE_BURST: z.coerce.number().int().min(1).max(1_000_000).default(200),
});

export type VnfmConfig = z.infer<typeof vnfmEnvSchema>;

/** Whether `host` only accepts connections from this machine. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare);
}

/**
 * Settings that are each valid but unsafe together: what vnfm would expose, and to whom.
 * Each problem names the variable to change.
 */
export function exposureProblems(config: VnfmConfig): string[] {
  const problems: string[] = [];
  const loopback = isLoopbackHost(config.VNFM_HOST);
  if (config.VNFM_AUTH === 'off' && !loopback) {
    problems.push(`VNFM_AUTH: 'off' is accepted only with a loopback VNFM_HOST (127.0.0.1, ::1, localhost), not ${config.VNFM_HOST}`);
  }
  if ((config.VNFM_TLS_CERT === undefined) !== (config.VNFM_TLS_KEY === undefined)) {
    problems.push(`${config.VNFM_TLS_CERT === undefined ? 'VNFM_TLS_CERT' : 'VNFM_TLS_KEY'}: VNFM_TLS_CERT and VNFM_TLS_KEY go together`);
  }
  if (config.VNFM_TLS_CLIENT_CA !== undefined && config.VNFM_TLS_CERT === undefined) {
    problems.push('VNFM_TLS_CLIENT_CA: mutual TLS needs VNFM_TLS_CERT and VNFM_TLS_KEY');
  }
  if (!loopback && config.VNFM_TLS_CERT === undefined && !config.VNFM_ALLOW_PLAINTEXT) {
    problems.push(`VNFM_HOST: ${config.VNFM_HOST} is not loopback; serve it with VNFM_TLS_CERT and VNFM_TLS_KEY, or set VNFM_ALLOW_PLAINTEXT=true (behind a TLS proxy)`);
  }
  return problems;
}

export class InvalidConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid vnfm configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'InvalidConfigError';
  }
}

/** Reads and validates the configuration; throws InvalidConfigError listing every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): VnfmConfig {
  const relevant = Object.fromEntries(
    Object.entries(env).filter(([key, value]) => key.startsWith('VNFM_') && value !== ''),
  );
  const result = vnfmEnvSchema.safeParse(relevant);
  if (!result.success) {
    throw new InvalidConfigError(
      result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    );
  }
  const exposure = exposureProblems(result.data);
  if (exposure.length > 0) throw new InvalidConfigError(exposure);
  return result.data;
}

/** Nest injection token for the validated configuration object. */
export const VNFM_CONFIG = Symbol('VNFM_CONFIG');
