/** One guest NIC's counters (virConnectGetAllDomainStats `net.N.*`). */
export interface InterfaceFigures {
  device: string;
  rxBytes: number;
  rxPackets: number;
  txBytes: number;
  txPackets: number;
}

/** One guest disk's counters (`block.N.*`). */
export interface BlockFigures {
  device: string;
  readBytes: number;
  writeBytes: number;
}

/** What a libvirt exporter shows of a domain, from one stats call for every domain. */
export interface DomainFigures {
  name: string;
  uuid: string;
  /** `cpu.time`, nanoseconds; null when the domain is not running. */
  cpuTimeNs: number | null;
  /** `balloon.current`, KiB (the memory the guest has now). */
  memoryKiB: number | null;
  /** `balloon.rss`, KiB (what QEMU holds on the host). */
  rssKiB: number | null;
  interfaces: InterfaceFigures[];
  blocks: BlockFigures[];
}

type Params = Readonly<Record<string, number | string | boolean>>;

function numberOf(params: Params, key: string): number | null {
  const value = params[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** `net.N.*` / `block.N.*` items that have a name. */
function indexed<T>(params: Params, prefix: 'net' | 'block', item: (at: (field: string) => number, device: string) => T): T[] {
  const count = numberOf(params, `${prefix}.count`) ?? 0;
  const items: T[] = [];
  for (let index = 0; index < count; index++) {
    const name = params[`${prefix}.${index}.name`];
    // libvirt counts every NIC but reports only those with a host device (a user-mode NIC has none).
    if (typeof name !== 'string' || name === '') continue;
    items.push(item((field) => numberOf(params, `${prefix}.${index}.${field}`) ?? 0, name));
  }
  return items;
}

/** A stats record's typed parameters as figures (pure; absent fields are null or 0). */
export function figuresOf(record: { name: string; uuid: string; params: Params }): DomainFigures {
  const { params } = record;
  return {
    name: record.name,
    uuid: record.uuid,
    cpuTimeNs: numberOf(params, 'cpu.time'),
    memoryKiB: numberOf(params, 'balloon.current'),
    rssKiB: numberOf(params, 'balloon.rss'),
    interfaces: indexed(params, 'net', (at, device) => ({ device, rxBytes: at('rx.bytes'), rxPackets: at('rx.pkts'), txBytes: at('tx.bytes'), txPackets: at('tx.pkts') })),
    blocks: indexed(params, 'block', (at, device) => ({ device, readBytes: at('rd.bytes'), writeBytes: at('wr.bytes') })),
  };
}
