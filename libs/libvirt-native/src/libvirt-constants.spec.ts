import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ERROR_CODE_NAMES, ERROR_DOMAIN_NAMES, virDomainState, virErrorNumber } from './libvirt-constants.generated.js';

const run = promisify(execFile);

describe('libvirt constants generated from libvirt-api.xml', () => {
  it('match the libvirt installed here (regenerate with npm run generate:libvirt-constants)', async () => {
    const script = fileURLToPath(new URL('../scripts/generate-constants.mjs', import.meta.url));
    await expect(run(process.execPath, [script, '--check'])).resolves.toBeDefined();
  });

  it('name error codes and domains both ways', () => {
    expect(virErrorNumber.VIR_ERR_NO_DOMAIN).toBe(42);
    expect(ERROR_CODE_NAMES[42]).toBe('VIR_ERR_NO_DOMAIN');
    expect(ERROR_CODE_NAMES[55]).toBe('VIR_ERR_OPERATION_INVALID');
    expect(ERROR_DOMAIN_NAMES[7]).toBe('VIR_FROM_RPC');
    expect(virDomainState.VIR_DOMAIN_SHUTOFF).toBe(5);
  });
});
