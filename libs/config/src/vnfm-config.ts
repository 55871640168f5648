import { z } from 'zod';

/**
 * Every setting vnfm reads from its environment, validated once at boot.
 * A bad value stops the process with a message naming the variable.
 */
const port = z.coerce.number().int().min(1).max(65535);
const positiveMs = z.coerce.number().int().min(100).max(86_400_000);

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
  VNFM_DB_PATH: z.string().min(1).default('./data/vnfm.db'),
  VNFM_SYSFS_ROOT: z.string().startsWith('/', 'must be an absolute path').default('/sys'),
  VNFM_RECONCILE_INTERVAL_MS: positiveMs.default(30_000),
  VNFM_LIBVIRT_CALL_TIMEOUT_MS: positiveMs.default(30_000),
  VNFM_LIBVIRT_PROBE_INTERVAL_MS: positiveMs.default(5_000),
  VNFM_LIBVIRT_MAX_INFLIGHT: z.coerce.number().int().min(1).max(64).default(4),
  VNFM_DOMAIN_TYPE: z.enum(['auto', 'kvm', 'qemu']).default('auto'),
  VNFM_LOG_LEVEL: z.enum(['error', 'warn', 'log', 'debug', 'verbose']).default('log'),
});

export type VnfmConfig = z.infer<typeof vnfmEnvSchema>;

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
  return result.data;
}

/** Nest injection token for the validated configuration object. */
export const VNFM_CONFIG = Symbol('VNFM_CONFIG');
