import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDomainXml, type ParsedDomain } from '../../libs/domain-xml/src/index.js';
import { QEMU_URI, uniqueName, virsh, virshResult } from '../support/virsh.js';
import { validGoldens } from './golden-files.js';

/** Machine aliases libvirt expands when it stores a definition (`virt` -> `virt-7.2`). */
const MACHINE_EXPANSIONS: Record<string, string> = { virt: 'virt-', q35: 'pc-q35-', pc: 'pc-i440fx-' };

/**
 * The fields vnfm owns, as libvirt stored them, made comparable with vnfm's own: the machine
 * alias libvirt expanded, the default emulator it filled in, and the name/type the test changed.
 */
function owned(parsed: ParsedDomain, expected: ParsedDomain): Record<string, unknown> {
  const { name: _name, type: _type, ...rest } = parsed;
  const machine = parsed.os.machine.startsWith(MACHINE_EXPANSIONS[expected.os.machine] ?? '\0') ? expected.os.machine : parsed.os.machine;
  const result: Record<string, unknown> = { ...rest, os: { ...parsed.os, machine } };
  if (expected.emulator === undefined) delete result.emulator;
  return result;
}

/**
 * Layers two and three of the golden suite: every valid golden is defined on qemu:///system
 * (as domain type qemu; passthrough VNFs are defined, never started), read back with
 * `dumpxml --inactive`, parsed by vnfm, and compared field by field; <qemu:commandline> exactly.
 */
describe('golden domain XML defined on real libvirt (qemu:///system)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vnfm-golden-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const { name: caseName, xml } of validGoldens()) {
    it(caseName, async () => {
      const domainName = uniqueName('golden');
      const asQemu = xml.replace(/^<domain type="kvm"/, '<domain type="qemu"').replace(/<name>[^<]*<\/name>/, `<name>${domainName}</name>`);
      const file = join(dir, `${caseName}.xml`);
      writeFileSync(file, asQemu);
      const expected = await parseDomainXml(asQemu);
      await virshResult(QEMU_URI, 'undefine', '--nvram', expected.uuid);
      const defined = await virshResult(QEMU_URI, 'define', file);
      expect(defined.output).toContain('defined');
      try {
        const stored = await parseDomainXml(await virsh(QEMU_URI, 'dumpxml', '--inactive', domainName));
        expect(stored.type).toBe('qemu');
        expect(owned(stored, expected)).toEqual(owned(expected, expected));
        expect(stored.qemuCommandline).toEqual(expected.qemuCommandline);
        expect(stored.otherQemuArgs).toEqual([]);
      } finally {
        await virsh(QEMU_URI, 'undefine', '--nvram', domainName);
      }
    });
  }
});
