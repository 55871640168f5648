import { ERROR_CODE_NAMES, ERROR_DOMAIN_NAMES } from './libvirt-constants.generated.js';

/** A libvirt failure with libvirt's own code, error domain and level, and their symbolic names. */
export class LibvirtNativeError extends Error {
  readonly codeName: string;
  readonly domainName: string;

  constructor(
    message: string,
    /** virErrorNumber, e.g. 42 (`VIR_ERR_NO_DOMAIN`). */
    readonly code: number,
    /** virErrorDomain, e.g. 7 (`VIR_FROM_RPC`). */
    readonly domain: number,
    /** virErrorLevel: 1 warning, 2 error. */
    readonly level: number,
    readonly operation: string,
  ) {
    super(message);
    this.name = 'LibvirtNativeError';
    this.codeName = ERROR_CODE_NAMES[code] ?? `VIR_ERR_${code}`;
    this.domainName = ERROR_DOMAIN_NAMES[domain] ?? `VIR_FROM_${domain}`;
  }
}

/** The addon rejects with plain Errors carrying numeric code/domain/level: give them their names. */
export function toNativeError(error: unknown, operation: string): unknown {
  if (error instanceof Error && typeof (error as { code?: unknown }).code === 'number') {
    const { code, domain, level } = error as Error & { code: number; domain?: number; level?: number };
    return new LibvirtNativeError(error.message, code, domain ?? 0, level ?? 2, operation);
  }
  return error;
}
