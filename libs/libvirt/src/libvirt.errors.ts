/** Typed libvirt failures: callers branch on the class, never on message text. */
export class LibvirtError extends Error {
  /** libvirt's symbolic error code when libvirt gave one (`VIR_ERR_OPERATION_INVALID`). */
  readonly libvirtCode: string | undefined;

  constructor(
    message: string,
    readonly operation: string,
    options?: { cause?: unknown; libvirtCode?: string },
  ) {
    super(message, options);
    this.name = new.target.name;
    this.libvirtCode = options?.libvirtCode;
  }
}

/** libvirtd cannot be reached, or the connection died under a call. */
export class LibvirtConnectionError extends LibvirtError {}

/** The call did not answer within its deadline (libvirtd hung or overloaded). */
export class LibvirtTimeoutError extends LibvirtError {}

/** The named domain does not exist (decided by lookup on a live connection). */
export class DomainNotFoundError extends LibvirtError {
  constructor(readonly domainName: string, operation: string) {
    super(`domain '${domainName}' not found`, operation);
  }
}

/** The domain exists but is not running (a console needs a running guest). */
export class DomainNotRunningError extends LibvirtError {}

/** Someone else has the domain's console open. */
export class ConsoleBusyError extends LibvirtError {}

/** libvirt refused the operation (bad XML, invalid state, missing resource, ...). */
export class LibvirtOperationError extends LibvirtError {}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
