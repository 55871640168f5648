import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import { map, type Observable } from 'rxjs';
import { identityOf } from './request-identity.js';
import { redactBody } from './redaction.js';

/** Answers of the VNF routes (views, lists, events) as the caller may see them. */
@Injectable()
export class RedactionInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const identity = identityOf(context.switchToHttp().getRequest<Request>());
    return next.handle().pipe(map((body: unknown) => redactBody(body, identity)));
  }
}
