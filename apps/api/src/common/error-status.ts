import { VnfmError, type ErrorCode } from '../../../../libs/core/src/index.js';
import { PROBLEM_BASE, type ProblemDetails } from './problem.js';

const CONFLICT = 'Conflict';
const UNPROCESSABLE = 'Unprocessable request';
const VNF_FAILURE = 'The VNF could not be applied';
const UNAVAILABLE = 'Service unavailable';

/**
 * Each error code's HTTP status and problem title: the one exhaustive table (a new code in
 * ERROR_CODES does not compile until it is given a row here).
 */
export const ERROR_STATUS = {
  'invalid-request': { status: 400, title: 'The request is not valid' },
  'not-found': { status: 404, title: 'Not found' },
  'name-taken': { status: 409, title: CONFLICT },
  'mac-in-use': { status: 409, title: CONFLICT },
  'domain-name-taken': { status: 409, title: CONFLICT },
  'vnf-deleting': { status: 409, title: CONFLICT },
  'vnf-stopped': { status: 409, title: CONFLICT },
  'vnf-not-running': { status: 409, title: CONFLICT },
  'console-busy': { status: 409, title: CONFLICT },
  'device-taken': { status: 409, title: CONFLICT },
  'precondition-failed': { status: 412, title: 'Precondition failed' },
  'idempotency-key-reused': { status: 422, title: UNPROCESSABLE },
  unauthenticated: { status: 401, title: 'Authentication required' },
  forbidden: { status: 403, title: 'Forbidden' },
  'host-not-allowed': { status: 421, title: 'Misdirected request' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type' },
  'rate-limited': { status: 429, title: 'Too many requests' },
  'upgrade-required': { status: 426, title: 'Upgrade required' },
  'too-many-streams': { status: 503, title: UNAVAILABLE },
  'shutting-down': { status: 503, title: UNAVAILABLE },
  'device-missing': { status: 422, title: UNPROCESSABLE },
  'device-unassignable': { status: 422, title: UNPROCESSABLE },
  'unsupported-on-host': { status: 422, title: UNPROCESSABLE },
  'resource-refused': { status: 422, title: UNPROCESSABLE },
  'domain-rejected': { status: 422, title: UNPROCESSABLE },
  'spec-unreadable': { status: 422, title: VNF_FAILURE },
  'design-failed': { status: 422, title: VNF_FAILURE },
  'domain-unreadable': { status: 422, title: VNF_FAILURE },
  'domain-renamed': { status: 422, title: VNF_FAILURE },
  'define-failed': { status: 422, title: VNF_FAILURE },
  'start-failed': { status: 422, title: VNF_FAILURE },
  'destroy-failed': { status: 422, title: VNF_FAILURE },
  'undefine-failed': { status: 422, title: VNF_FAILURE },
  'shutdown-failed': { status: 422, title: VNF_FAILURE },
  'resume-failed': { status: 422, title: VNF_FAILURE },
  'reboot-failed': { status: 422, title: VNF_FAILURE },
  'autostart-failed': { status: 422, title: VNF_FAILURE },
  'release-failed': { status: 422, title: VNF_FAILURE },
  'forget-failed': { status: 422, title: VNF_FAILURE },
  'libvirt-unavailable': { status: 503, title: UNAVAILABLE },
  'database-unavailable': { status: 503, title: UNAVAILABLE },
  internal: { status: 500, title: 'Internal error' },
} as const satisfies Record<ErrorCode, { status: number; title: string }>;

/**
 * A VnfmError as RFC 9457 problem details: type `${PROBLEM_BASE}<code>`, the table's status and
 * title, the message as detail (not for `internal`: that stays in the log), and `field` / `errors`
 * when the error names them.
 */
export function problemOf(error: VnfmError): ProblemDetails {
  const { status, title } = ERROR_STATUS[error.code];
  return {
    type: `${PROBLEM_BASE}${error.code}`,
    title,
    status,
    detail: error.code === 'internal' ? 'an unexpected error occurred; see the service log' : error.message,
    ...(error.field === undefined ? {} : { field: error.field }),
    ...(error.errors === undefined ? {} : { errors: error.errors.map((problem) => ({ ...problem })) }),
  };
}
