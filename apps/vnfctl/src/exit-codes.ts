/**
 * vnfctl's exit codes: what scripts can rely on (README "vnfctl"). `diff` uses 1 for "there are
 * differences", like diff(1); every failure is 2 or more.
 */
export const EXIT = {
  ok: 0,
  differences: 1,
  usage: 2,
  notFound: 3,
  conflict: 4,
  invalid: 5,
  denied: 6,
  unavailable: 7,
  failed: 8,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit code for an HTTP status vnfm answered with. */
export function exitCodeOfStatus(status: number): ExitCode {
  if (status === 404) return EXIT.notFound;
  if (status === 409 || status === 412) return EXIT.conflict;
  if (status === 400 || status === 415 || status === 422) return EXIT.invalid;
  if (status === 401 || status === 403 || status === 421) return EXIT.denied;
  if (status === 503 || status === 429) return EXIT.unavailable;
  return EXIT.failed;
}

/** A failure that ends the command with this exit code and message. */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
