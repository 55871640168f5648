import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs libvirt's own `virt-xml-validate` on a domain XML; resolves with its verdict and output. */
export async function virtXmlValidate(xml: string): Promise<{ valid: boolean; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'vnfm-xml-'));
  const file = join(dir, 'domain.xml');
  writeFileSync(file, xml);
  try {
    const { stdout, stderr } = await run('virt-xml-validate', [file, 'domain']);
    return { valid: true, output: stdout + stderr };
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string };
    return { valid: false, output: `${failure.stdout ?? ''}${failure.stderr ?? ''}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
