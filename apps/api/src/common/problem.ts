import { HttpException } from '@nestjs/common';

/** One reason a request was refused, tied to the field it concerns (dotted path, [i] for items). */
export interface FieldProblem {
  field: string;
  reason: string;
}

/** RFC 9457 problem details, as vnfm returns them. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: FieldProblem[];
  [extension: string]: unknown;
}

export const PROBLEM_BASE = 'https://vnfm.dev/problems/';

export class ProblemException extends HttpException {
  constructor(readonly problem: ProblemDetails) {
    super(problem, problem.status);
  }

  static invalidRequest(errors: FieldProblem[]): ProblemException {
    return new ProblemException({
      type: `${PROBLEM_BASE}invalid-request`,
      title: 'The request is not valid',
      status: 400,
      detail: errors.map((error) => `${error.field}: ${error.reason}`).join('; '),
      errors,
    });
  }

  static conflict(kind: string, detail: string, extra: Record<string, unknown> = {}): ProblemException {
    return new ProblemException({ type: `${PROBLEM_BASE}${kind}`, title: 'Conflict', status: 409, detail, ...extra });
  }

  static notFound(detail: string): ProblemException {
    return new ProblemException({ type: `${PROBLEM_BASE}not-found`, title: 'Not found', status: 404, detail });
  }

  static unprocessable(kind: string, detail: string, extra: Record<string, unknown> = {}): ProblemException {
    return new ProblemException({ type: `${PROBLEM_BASE}${kind}`, title: 'Unprocessable request', status: 422, detail, ...extra });
  }

  static unavailable(kind: string, detail: string): ProblemException {
    return new ProblemException({ type: `${PROBLEM_BASE}${kind}`, title: 'Service unavailable', status: 503, detail });
  }
}
