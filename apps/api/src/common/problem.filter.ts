import { STATUS_CODES } from 'node:http';
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { VnfmError } from '../../../../libs/core/src/index.js';
import { LibvirtConnectionError, LibvirtTimeoutError } from '../../../../libs/libvirt/src/index.js';
import { identityOf } from '../security/request-identity.js';
import { forCaller } from '../security/redaction.js';
import { problemOf } from './error-status.js';
import { sendProblem } from './problem-response.js';
import { PROBLEM_BASE, ProblemException, type ProblemDetails } from './problem.js';

/** Every error leaves the service as application/problem+json (RFC 9457). */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const problem = this.toProblem(exception);
    problem.instance ??= request.originalUrl;
    sendProblem(response, forCaller(problem, identityOf(request)));
  }

  private toProblem(exception: unknown): ProblemDetails {
    // A refusal thrown inside body-parser (the duplicate-key check) arrives wrapped by Nest.
    if (exception instanceof HttpException && exception.cause instanceof VnfmError) return this.toProblem(exception.cause);
    if (exception instanceof VnfmError) {
      if (exception.code === 'internal') this.logger.error(exception.stack ?? exception.message);
      return problemOf(exception);
    }
    if (exception instanceof LibvirtConnectionError || exception instanceof LibvirtTimeoutError) {
      return problemOf(new VnfmError('libvirt-unavailable', `libvirtd is not reachable: ${exception.message}`));
    }
    if (exception instanceof ProblemException) return { ...exception.problem };
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      const message = typeof body === 'string' ? body : ((body as { message?: unknown }).message ?? exception.message);
      const detail = Array.isArray(message) ? message.join('; ') : String(message);
      if (status === 400) {
        // Body-parser failures (malformed JSON, wrong content) arrive here.
        return { type: `${PROBLEM_BASE}invalid-request`, title: 'The request is not valid', status, detail, errors: [{ field: '(body)', reason: detail }] };
      }
      if (status === 404) return { type: `${PROBLEM_BASE}not-found`, title: 'Not found', status, detail };
      return { type: `${PROBLEM_BASE}http-${status}`, title: STATUS_CODES[status] ?? 'Error', status, detail };
    }
    this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    return { type: `${PROBLEM_BASE}internal`, title: 'Internal error', status: 500, detail: 'an unexpected error occurred; see the service log' };
  }
}
