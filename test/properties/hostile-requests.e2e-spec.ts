import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { TEST_DRIVER_URI, listAll } from '../support/virsh.js';

/** Characters that must never reach XML or a QEMU argument through the field in question. */
const ARGUMENT_BREAKERS = [',', '=', ' ', '\n', '\t', '\u0000', '"', "'", '<', '>', '&', ';', '$(', '`', '\u2028', '\u00e9'];
const PATH_BREAKERS = [',', '=', ' ', '\n', '\t', '\u0000', '"', "'", '<', ';', '/../', '//', '/./', '\u00e9'];
/** `,` separates ranges in a cpuset (`0-1,4`), so it is no breaker there. */
const CPUSET_BREAKERS = ARGUMENT_BREAKERS.filter((breaker) => breaker !== ',');
const LINE_BREAKERS = ['\n', '\r', '\t', '\u0000', '\u001b', '\u2028', '\u0085'];

type Body = Record<string, any>;
interface HostileField {
  field: string;
  breakers: string[];
  /** A valid aarch64 request with the hostile string put in that one field. */
  inject(value: string): Body;
}

const base = (): Body => ({ name: 'hostile', vcpus: 2, memoryMiB: 128, arch: 'aarch64' });
const fields: HostileField[] = [
  { field: 'name', breakers: ARGUMENT_BREAKERS, inject: (v) => ({ ...base(), name: `h${v}` }) },
  { field: 'description', breakers: LINE_BREAKERS, inject: (v) => ({ ...base(), description: `edge ${v} firewall` }) },
  { field: 'machine', breakers: ARGUMENT_BREAKERS, inject: (v) => ({ ...base(), machine: `virt${v}` }) },
  { field: 'cpu.vcpuPins[0]', breakers: CPUSET_BREAKERS, inject: (v) => ({ ...base(), cpu: { vcpuPins: [`2${v}`, '3'] } }) },
  { field: 'cpu.emulatorPin', breakers: CPUSET_BREAKERS, inject: (v) => ({ ...base(), cpu: { emulatorPin: `0${v}` } }) },
  { field: 'boot.kernel', breakers: PATH_BREAKERS, inject: (v) => ({ ...base(), boot: { kernel: `/var/lib/vnf${v}Image` } }) },
  { field: 'boot.initrd', breakers: PATH_BREAKERS, inject: (v) => ({ ...base(), boot: { kernel: '/k', initrd: `/var/${v}initrd` } }) },
  { field: 'boot.dtb', breakers: PATH_BREAKERS, inject: (v) => ({ ...base(), boot: { kernel: '/k', dtb: `/g${v}.dtb` } }) },
  { field: 'boot.cmdline', breakers: LINE_BREAKERS, inject: (v) => ({ ...base(), boot: { kernel: '/k', cmdline: `console=ttyAMA0${v}root=/dev/vda` } }) },
  { field: 'disks[0].path', breakers: PATH_BREAKERS, inject: (v) => ({ ...base(), disks: [{ path: `/var/lib/vnf/${v}a.qcow2`, format: 'qcow2' }] }) },
  { field: 'interfaces[0].bridge', breakers: ARGUMENT_BREAKERS, inject: (v) => ({ ...base(), interfaces: [{ type: 'bridge', bridge: `br${v}` }] }) },
  { field: 'interfaces[0].network', breakers: ARGUMENT_BREAKERS, inject: (v) => ({ ...base(), interfaces: [{ type: 'network', network: `net${v}` }] }) },
  { field: 'interfaces[0].device', breakers: ARGUMENT_BREAKERS, inject: (v) => ({ ...base(), interfaces: [{ type: 'direct', device: `eth${v}` }] }) },
  { field: 'interfaces[0].socket', breakers: PATH_BREAKERS, inject: (v) => ({ ...base(), interfaces: [{ type: 'vhostuser', socket: `/run/vhu${v}0` }] }) },
  { field: 'interfaces[0].mac', breakers: ARGUMENT_BREAKERS, inject: (v) => ({ ...base(), interfaces: [{ type: 'user', mac: `52:54:00:00:00:0${v}` }] }) },
  { field: 'interfaces[0].address', breakers: ARGUMENT_BREAKERS, inject: (v) => ({ ...base(), interfaces: [{ type: 'sriov-vf', address: `0000:03:02.1${v}` }] }) },
  { field: 'hostDevices[0].address', breakers: ARGUMENT_BREAKERS, inject: (v) => ({ ...base(), hostDevices: [{ type: 'vfio-pci', address: `0000:04:00.0${v}` }] }) },
  { field: 'hostDevices[0].device', breakers: ARGUMENT_BREAKERS, inject: (v) => ({ ...base(), hostDevices: [{ type: 'vfio-platform', device: `fff51000.eth${v}` }] }) },
  { field: 'hostDevices[0].container', breakers: ARGUMENT_BREAKERS, inject: (v) => ({ ...base(), hostDevices: [{ type: 'fsl-mc', container: `dprc.2${v}` }] }) },
  { field: 'hostDevices[0].select.compatible', breakers: ARGUMENT_BREAKERS.filter((c) => c !== ','), inject: (v) => ({ ...base(), hostDevices: [{ type: 'vfio-platform', select: { compatible: `fsl${v}etsec2` } }] }) },
  { field: 'hostDevices[0].select.objects', breakers: ARGUMENT_BREAKERS, inject: (v) => ({ ...base(), hostDevices: [{ type: 'fsl-mc', select: { objects: { [`dpni${v}`]: 1 } } }] }) },
  { field: 'labels', breakers: ARGUMENT_BREAKERS, inject: (v) => ({ ...base(), labels: { site: `edge${v}1` } }) },
];

describe('property: a hostile string in any field is refused with 400 and nothing is written', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(TEST_DRIVER_URI);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('every field, random hostile strings', async () => {
    const domainsBefore = (await listAll(TEST_DRIVER_URI)).size;
    for (const target of fields) {
      const hostile = fc
        .tuple(fc.string({ maxLength: 6 }), fc.constantFrom(...target.breakers), fc.string({ maxLength: 6 }))
        .map(([before, breaker, after]) => `${before}${breaker}${after}`);
      await fc.assert(
        fc.asyncProperty(hostile, async (value) => {
          const response = await t.http.post('/api/v1/vnfs').send(target.inject(value));
          expect(response.status, `${target.field} = ${JSON.stringify(value)}`).toBe(400);
          expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
          const fieldsNamed = response.body.errors.map((error: { field: string }) => error.field);
          expect(fieldsNamed.some((field: string) => field.startsWith(target.field) || target.field.startsWith(field))).toBe(true);
        }),
        { numRuns: 25 },
      );
    }
    expect(t.countRows('vnf')).toBe(0);
    expect(t.countRows('device_claim')).toBe(0);
    expect((await listAll(TEST_DRIVER_URI)).size).toBe(domainsBefore);
  });
});
