/**
 * The one list of error codes vnfm speaks. Libraries throw VnfmError with one of these; the HTTP
 * edge maps each code to a status and problem type in one exhaustive table; a VNF's `lastError`
 * and its failure events carry the same codes.
 */
export const ERROR_CODES = [
  // the request
  'invalid-request',
  'not-found',
  'name-taken',
  'mac-in-use',
  'domain-name-taken',
  'vnf-deleting',
  'vnf-stopped',
  'vnf-not-running',
  'console-busy',
  'precondition-failed',
  'idempotency-key-reused',
  // who is asking, and how
  'unauthenticated',
  'forbidden',
  'host-not-allowed',
  'unsupported-media-type',
  'rate-limited',
  'upgrade-required',
  'too-many-streams',
  'shutting-down',
  // host devices
  'device-taken',
  'device-missing',
  'device-unassignable',
  'unsupported-on-host',
  // host files and interfaces outside the operator's allow-lists (VNFM_IMAGE_DIRS, ...)
  'resource-refused',
  // what a VNF can fail with (lastError, events)
  'domain-rejected',
  'spec-unreadable',
  'design-failed',
  'domain-unreadable',
  'domain-renamed',
  'define-failed',
  'start-failed',
  'destroy-failed',
  'undefine-failed',
  'shutdown-failed',
  'resume-failed',
  'reboot-failed',
  'autostart-failed',
  'release-failed',
  'forget-failed',
  // the service's dependencies
  'libvirt-unavailable',
  'database-unavailable',
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** One reason a request was refused, tied to the field it concerns (dotted path, [i] for items). */
export interface FieldProblem {
  field: string;
  reason: string;
  /** A more precise code for this one field (device-taken, device-missing, ...). */
  code?: string;
}

export interface VnfmErrorDetails {
  /** The field a single-field refusal is about. */
  field?: string;
  /** Every field problem, for refusals that name several. */
  errors?: FieldProblem[];
  cause?: unknown;
}

/** A refusal or failure with a code from ERROR_CODES; the message is for people. */
export class VnfmError extends Error {
  readonly field: string | undefined;
  readonly errors: FieldProblem[] | undefined;

  constructor(
    readonly code: ErrorCode,
    message: string,
    details: VnfmErrorDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'VnfmError';
    this.field = details.field;
    this.errors = details.errors;
  }

  /** 400 with every bad field named. */
  static invalid(errors: FieldProblem[]): VnfmError {
    return new VnfmError('invalid-request', errors.map((error) => `${error.field}: ${error.reason}`).join('; '), { errors });
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/** The message of anything thrown. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
