import { VnfmError } from '../../../../libs/core/src/index.js';
import { VNF_NAME } from '../../../../libs/vnf/src/index.js';

/** `?flag=true|false` (absent: false); anything else is a 400 naming the parameter. */
export function booleanQuery(parameter: string, value: string | undefined): boolean {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw VnfmError.invalid([{ field: parameter, reason: 'must be true or false' }]);
}

/** The `{name}` of a VNF route: a name that cannot be a VNF's is not found, like one that is not there. */
export function checkedName(name: string): string {
  if (!VNF_NAME.test(name)) throw new VnfmError('not-found', `no VNF named '${name.slice(0, 80)}'`);
  return name;
}
