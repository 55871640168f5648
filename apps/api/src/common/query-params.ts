import { type CanActivate, type ExecutionContext, Injectable, SetMetadata, UseGuards } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { VnfmError, type FieldProblem } from '../../../../libs/core/src/index.js';

/** One query parameter a route takes; given at most once unless `repeatable`. */
export interface QueryParamRule {
  name: string;
  repeatable: boolean;
}

export const QUERY_PARAMS_METADATA = 'vnfm:query-params';

/** `@QueryParams('dryRun')`, `@QueryParams(repeatable('label'))`. */
export function repeatable(name: string): QueryParamRule {
  return { name, repeatable: true };
}

/**
 * The query parameters a route takes (names are case-sensitive). A route without this decorator
 * takes none. Enforced by QueryParamsGuard, before pipes and the handler run.
 */
export function QueryParams(...params: Array<string | QueryParamRule>): MethodDecorator {
  const rules: QueryParamRule[] = params.map((param) => (typeof param === 'string' ? { name: param, repeatable: false } : param));
  return SetMetadata(QUERY_PARAMS_METADATA, rules);
}

/** Enough to name what is wrong with a query string. */
const MAX_QUERY_PROBLEMS = 20;
const MAX_NAME_SHOWN = 100;

/** The query string of a request target (`/api/v1/vnfs?dryRun=true` -> `dryRun=true`). */
function queryOf(url: string): string {
  const start = url.indexOf('?');
  return start < 0 ? '' : url.slice(start + 1);
}

/**
 * What is wrong with the query string of `url` for a route that takes `rules`: each unknown
 * parameter (`dryrun: unknown query parameter (known: dryRun)`), and each single-valued one given
 * more than once. Read from the raw URL, so it does not depend on Express' query parser.
 */
export function queryParamProblems(url: string, rules: readonly QueryParamRule[]): FieldProblem[] {
  const known = new Map(rules.map((rule) => [rule.name, rule]));
  const knownText = rules.length === 0 ? 'this route takes none' : `known: ${rules.map((rule) => rule.name).join(', ')}`;
  const counts = new Map<string, number>();
  for (const [name] of new URLSearchParams(queryOf(url))) counts.set(name, (counts.get(name) ?? 0) + 1);
  const problems: FieldProblem[] = [];
  for (const [name, count] of counts) {
    const rule = known.get(name);
    const field = name === '' ? '(query)' : name.slice(0, MAX_NAME_SHOWN);
    if (rule === undefined) problems.push({ field, reason: name === '' ? `a query parameter without a name (${knownText})` : `unknown query parameter (${knownText})` });
    else if (!rule.repeatable && count > 1) problems.push({ field, reason: `must be given at most once (given ${count} times)` });
    if (problems.length >= MAX_QUERY_PROBLEMS) break;
  }
  return problems;
}

/** Refuses (400 invalid-request) a request whose query string does not fit its route's @QueryParams. */
@Injectable()
export class QueryParamsGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const rules = this.reflector.get<QueryParamRule[] | undefined>(QUERY_PARAMS_METADATA, context.getHandler()) ?? [];
    const request = context.switchToHttp().getRequest<Request>();
    const problems = queryParamProblems(request.originalUrl ?? request.url, rules);
    if (problems.length > 0) throw VnfmError.invalid(problems);
    return true;
  }
}

/**
 * On every controller: each route's query parameters are checked against its @QueryParams
 * (a route without it takes none). Registering QueryParamsGuard as an APP_GUARD would make this
 * decorator redundant (and it would stay harmless: the check is idempotent).
 */
export function RequestChecks(): ClassDecorator {
  return UseGuards(QueryParamsGuard);
}
