import { VnfmError } from '../../../../libs/core/src/index.js';
import type { LabelSelector } from '../../../../libs/use-cases/src/index.js';
import { LABEL_KEY, LABEL_VALUE } from '../../../../libs/vnf/src/index.js';

/** `?label=site=edge-1&label=tier` -> [[site, edge-1], [tier, undefined]] (every one must match). */
export function labelSelectors(value: string | string[] | undefined): LabelSelector[] {
  const items = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return items.map((item) => {
    const [key = '', ...rest] = item.split('=');
    const wanted = rest.length === 0 ? undefined : rest.join('=');
    if (!LABEL_KEY.test(key) || (wanted !== undefined && !LABEL_VALUE.test(wanted))) {
      throw VnfmError.invalid([{ field: 'label', reason: `'${item.slice(0, 80)}' is not key or key=value with a valid label key and value` }]);
    }
    return [key, wanted];
  });
}

