import { describe, expect, it } from 'vitest';
import { figuresOf } from './domain-figures.js';

describe('figuresOf', () => {
  it('reads cpu, balloon, every named NIC and disk from the typed parameters (an unnamed NIC has no host device)', () => {
    const figures = figuresOf({
      name: 'fw-1',
      uuid: 'u',
      params: {
        'cpu.time': 1_500_000_000,
        'balloon.current': 65536,
        'balloon.rss': 30000,
        'net.count': 3,
        'net.0.name': 'vnet0',
        'net.0.rx.bytes': 10,
        'net.0.rx.pkts': 1,
        'net.0.tx.bytes': 20,
        'net.0.tx.pkts': 2,
        'net.1.name': 'vnet1',
        'net.1.rx.bytes': 5,
        'net.2.rx.bytes': 7,
        'block.count': 1,
        'block.0.name': 'vda',
        'block.0.rd.bytes': 4096,
        'block.0.wr.bytes': 512,
      },
    });
    expect(figures).toEqual({
      name: 'fw-1',
      uuid: 'u',
      cpuTimeNs: 1_500_000_000,
      memoryKiB: 65536,
      rssKiB: 30000,
      interfaces: [
        { device: 'vnet0', rxBytes: 10, rxPackets: 1, txBytes: 20, txPackets: 2 },
        { device: 'vnet1', rxBytes: 5, rxPackets: 0, txBytes: 0, txPackets: 0 },
      ],
      blocks: [{ device: 'vda', readBytes: 4096, writeBytes: 512 }],
    });
  });

  it('a shut-off domain has no figures but its name', () => {
    expect(figuresOf({ name: 'off', uuid: 'u', params: { 'state.state': 5 } })).toMatchObject({ cpuTimeNs: null, memoryKiB: null, interfaces: [], blocks: [] });
  });
});
