/**
 * Per-call cost of vnfm's libvirt binding next to virsh doing the same RPCs in the same run
 * (one virsh process fed the commands on stdin, so process start-up is measured and taken out).
 * Usage: npm run bench:libvirt [-- URI [CALLS]]   (default test+unix:///default, 2000 calls)
 */
import { performance } from 'node:perf_hooks';
import { NativeConnection } from '../libs/libvirt-native/src/index.js';
import { virshBatch } from './virsh-batch.js';

const uri = process.argv[2] ?? 'test+unix:///default';
const calls = Number(process.argv[3] ?? 2000);

async function virshPerCall(command: string): Promise<number> {
  const startup = Math.min(await virshBatch(uri, []), await virshBatch(uri, []));
  const total = await virshBatch(uri, Array.from({ length: calls }, () => command));
  return ((total - startup) / calls) * 1000;
}

async function bindingPerCall(work: () => Promise<unknown>, inFlight = 1): Promise<number> {
  for (let warm = 0; warm < 50; warm += 1) await work();
  const started = performance.now();
  for (let done = 0; done < calls; done += inFlight) await Promise.all(Array.from({ length: Math.min(inFlight, calls - done) }, work));
  return ((performance.now() - started) / calls) * 1000;
}

async function main(): Promise<void> {
  const connection = await NativeConnection.open(uri);
  const name = `bench-${process.pid}`;
  const xml = uri.startsWith('qemu')
    ? `<domain type='qemu'><name>${name}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os></domain>`
    : `<domain type='test'><name>${name}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>`;
  const { uuid } = await connection.defineXml(xml);
  try {
    const rows: Array<[string, string, number, number]> = [];
    const measure = async (label: string, rpcs: string, virshCommand: string, work: () => Promise<unknown>) => {
      const virsh = await virshPerCall(virshCommand);
      const binding = await bindingPerCall(work);
      rows.push([label, rpcs, binding, virsh]);
    };
    await measure('lookup by name', '1', `domuuid ${name}`, () => connection.lookupByName(name));
    await measure('state', '2', `domstate ${name}`, () => connection.getState(uuid));
    await measure('dumpxml --inactive', '2', `dumpxml --inactive ${name}`, () => connection.getXmlDesc(uuid, 2));
    await measure('list all domains', '1+', 'list --all --name', () => connection.listAllDomains());
    const parallel = await bindingPerCall(() => connection.getXmlDesc(uuid, 2), 8);

    console.log(`libvirt binding vs virsh on ${uri}, ${calls} calls each, microseconds per call`);
    console.log('| operation | RPCs | binding µs | virsh µs | binding / virsh |');
    console.log('| --- | --- | --- | --- | --- |');
    for (const [label, rpcs, binding, virsh] of rows) {
      console.log(`| ${label} | ${rpcs} | ${binding.toFixed(1)} | ${virsh.toFixed(1)} | ${(binding / virsh).toFixed(2)} |`);
    }
    console.log(`| dumpxml --inactive, 8 in flight | 2 | ${parallel.toFixed(1)} | - | - |`);
  } finally {
    await connection.undefine(uuid).catch(() => undefined);
    await connection.close();
  }
}

await main();
