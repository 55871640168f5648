import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDomainXml } from '../../libs/domain-xml/src/index.js';
import { driftBetween } from '../../libs/reconciler/src/index.js';
import { LXC_URI, QEMU_URI, uniqueName, virsh, virshResult } from '../support/virsh.js';
import { validGoldens } from './golden-files.js';

/**
 * Layers two and three of the golden suite: every valid golden is defined on qemu:///system
 * (as domain type qemu; passthrough VNFs are defined, never started), or on lxc:/// for a
 * container, read back with `dumpxml --inactive`, parsed by vnfm, and compared field by field;
 * <qemu:commandline> exactly.
 */
describe('golden domain XML defined on real libvirt (qemu:///system, lxc:///)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vnfm-golden-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const { name: caseName, xml } of validGoldens()) {
    it(caseName, async () => {
      const domainName = uniqueName('golden');
      const container = xml.startsWith('<domain type="lxc"');
      const uri = container ? LXC_URI : QEMU_URI;
      const asQemu = xml.replace(/^<domain type="kvm"/, '<domain type="qemu"').replace(/<name>[^<]*<\/name>/, `<name>${domainName}</name>`);
      const file = join(dir, `${caseName}.xml`);
      writeFileSync(file, asQemu);
      const expected = await parseDomainXml(asQemu);
      await virshResult(uri, 'undefine', ...(container ? [] : ['--nvram']), expected.uuid);
      const defined = await virshResult(uri, 'define', file);
      expect(defined.output).toContain('defined');
      try {
        const stored = await parseDomainXml(await virsh(uri, 'dumpxml', '--inactive', domainName));
        expect(stored.type).toBe(container ? 'lxc' : 'qemu');
        // The reconciler's own comparison of the fields vnfm owns (units, hex, machine alias normalised).
        expect(driftBetween(expected, stored, { driverKeepsQemuCommandline: true })).toEqual([]);
        expect(stored.qemuCommandline).toEqual(expected.qemuCommandline);
        expect(stored.otherQemuArgs).toEqual([]);
      } finally {
        await virsh(uri, 'undefine', ...(container ? [] : ['--nvram']), domainName);
      }
    });
  }
});
