import type { Response } from 'express';
import type { ProblemDetails } from './problem.js';

/** Writes problem details as the response (application/problem+json, RFC 9457). */
export function sendProblem(response: Response, problem: ProblemDetails): void {
  response.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
}
