import { describe, expect, it } from 'vitest';
import { ERROR_CODES, VnfmError } from '../../../../libs/core/src/index.js';
import { ERROR_STATUS, problemOf } from './error-status.js';
import { queryParamProblems, repeatable } from './query-params.js';

describe('queryParamProblems', () => {
  const url = (query: string) => `/api/v1/vnfs?${query}`;

  it('accepts the known parameters, once', () => {
    expect(queryParamProblems('/api/v1/vnfs', [])).toEqual([]);
    expect(queryParamProblems(url('dryRun=true'), [{ name: 'dryRun', repeatable: false }])).toEqual([]);
    expect(queryParamProblems(url('label=a&label=b=c'), [repeatable('label')])).toEqual([]);
  });

  it('refuses dryrun in lower case, naming the known ones', () => {
    expect(queryParamProblems(url('dryrun=true'), [{ name: 'dryRun', repeatable: false }])).toEqual([{ field: 'dryrun', reason: 'unknown query parameter (known: dryRun)' }]);
  });

  it('refuses any parameter on a route that takes none', () => {
    expect(queryParamProblems('/api/v1/vnfs/x?force=1', [])).toEqual([{ field: 'force', reason: 'unknown query parameter (this route takes none)' }]);
  });

  it('refuses a single-valued parameter given twice', () => {
    expect(queryParamProblems(url('dryRun=true&dryRun=false'), [{ name: 'dryRun', repeatable: false }])).toEqual([{ field: 'dryRun', reason: 'must be given at most once (given 2 times)' }]);
  });

  it('reads names as the URL has them: encoded, bracketed, empty', () => {
    const rules = [{ name: 'dryRun', repeatable: false }];
    expect(queryParamProblems(url('dry%52un=true'), rules)).toEqual([]);
    expect(queryParamProblems(url('dryRun[]=true'), rules)).toEqual([{ field: 'dryRun[]', reason: 'unknown query parameter (known: dryRun)' }]);
    expect(queryParamProblems(url('=x'), rules)).toEqual([{ field: '(query)', reason: 'a query parameter without a name (known: dryRun)' }]);
    expect(queryParamProblems(url('&&'), rules)).toEqual([]);
    expect(queryParamProblems(url('__proto__=1'), rules)).toEqual([{ field: '__proto__', reason: 'unknown query parameter (known: dryRun)' }]);
  });

  it('names at most 20 problems', () => {
    const query = Array.from({ length: 500 }, (_, index) => `p${index}=1`).join('&');
    expect(queryParamProblems(url(query), [])).toHaveLength(20);
  });
});

describe('ERROR_STATUS', () => {
  it('has a row for every code', () => {
    expect(Object.keys(ERROR_STATUS).sort()).toEqual([...ERROR_CODES].sort());
  });

  it.each([
    ['invalid-request', 400],
    ['not-found', 404],
    ['name-taken', 409],
    ['device-taken', 409],
    ['precondition-failed', 412],
    ['device-missing', 422],
    ['start-failed', 422],
    ['libvirt-unavailable', 503],
    ['database-unavailable', 503],
    ['internal', 500],
  ] as const)('%s is %i', (code, status) => {
    expect(ERROR_STATUS[code].status).toBe(status);
  });

  it('problemOf: type, status, title, detail, field and errors', () => {
    expect(problemOf(VnfmError.invalid([{ field: 'dryrun', reason: 'unknown query parameter (known: dryRun)' }]))).toEqual({
      type: 'https://vnfm.dev/problems/invalid-request',
      title: 'The request is not valid',
      status: 400,
      detail: 'dryrun: unknown query parameter (known: dryRun)',
      errors: [{ field: 'dryrun', reason: 'unknown query parameter (known: dryRun)' }],
    });
    expect(problemOf(new VnfmError('name-taken', "a VNF named 'x' already exists", { field: 'name' }))).toMatchObject({ status: 409, field: 'name', type: 'https://vnfm.dev/problems/name-taken' });
    expect(problemOf(new VnfmError('internal', 'secret stack detail')).detail).not.toContain('secret');
  });
});
