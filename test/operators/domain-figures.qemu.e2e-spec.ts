import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/libvirtd.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { QEMU_URI, uniqueName, virsh } from '../support/virsh.js';

function sample(text: string, series: string): number | null {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? null : Number(line.slice(series.length + 1));
}

/** Per-VNF domain figures in /metrics, from one virConnectGetAllDomainStats per scrape, against a real guest. */
describe('per-VNF domain figures in /metrics (qemu:///system)', () => {
  let t: TestApp;
  const name = uniqueName('figs');
  beforeAll(async () => {
    t = await startTestApp(QEMU_URI);
  });
  afterAll(async () => {
    await t?.http.delete(`/api/v1/vnfs/${name}`);
    await t?.close();
  });

  it('CPU time, memory and NIC counters of the running guest, labelled with the VNF name, and CPU time grows', async () => {
    await t.http.post('/api/v1/vnfs').send({ name, vcpus: 1, memoryMiB: 128, arch: 'x86_64', interfaces: [{ type: 'user' }] }).expect(201);
    const scrape = async () => (await t.http.get('/metrics').expect(200)).text;
    // Right after the start the domain may still be busy (a job held): the scrape does not wait for it.
    let first = '';
    await eventually(async () => sample((first = await scrape()), `vnfm_domain_cpu_time_seconds_total{vnf="${name}"}`) !== null, 30_000, 'CPU time in /metrics');
    const cpu = sample(first, `vnfm_domain_cpu_time_seconds_total{vnf="${name}"}`);
    expect(sample(first, `vnfm_domain_memory_bytes{vnf="${name}"}`)).toBe(128 * 1024 * 1024);
    // What virsh says of the same domain: the figures are libvirt's.
    // (a user-mode NIC has no host device, so libvirt may report none: the sets must agree either way)
    const domstats = await virsh(QEMU_URI, 'domstats', '--interface', name);
    const devices = [...domstats.matchAll(/net\.\d+\.name=(\S+)/g)].map((match) => match[1]);
    const shown = [...first.matchAll(new RegExp(`^vnfm_domain_interface_receive_bytes_total\\{vnf="${name}",device="([^"]+)"\\}`, 'gm'))].map((match) => match[1]);
    expect(shown).toEqual(devices);
    expect(first).toContain('# TYPE vnfm_domain_cpu_time_seconds_total counter');
    await eventually(async () => (sample(await scrape(), `vnfm_domain_cpu_time_seconds_total{vnf="${name}"}`) ?? 0) > (cpu ?? 0), 30_000, 'CPU time to grow');
    // Domains that are not VNFs of this vnfm are not shown.
    const foreign = [...first.matchAll(/^vnfm_domain_cpu_time_seconds_total\{vnf="([^"]+)"\}/gm)].map((match) => match[1]);
    expect(foreign).toEqual([name]);
  });
});
