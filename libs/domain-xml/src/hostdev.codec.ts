import type { HostdevModel, PciAddressText } from './domain.model.js';
import { attr, child, textOf, type XmlElement } from './xml-tree.js';

const PCI_ADDRESS_TEXT = /^([0-9a-f]{4}):([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/;

/** `0000:5e:00.1` -> libvirt's <address domain='0x0000' bus='0x5e' slot='0x00' function='0x1'/> attributes. */
export function pciAddressAttributes(address: PciAddressText): Record<string, string> {
  const match = PCI_ADDRESS_TEXT.exec(address);
  if (!match) throw new Error(`refusing to write PCI address '${address}': not DDDD:BB:SS.F`);
  const [, domain, bus, slot, fn] = match;
  return { domain: `0x${domain}`, bus: `0x${bus}`, slot: `0x${slot}`, function: `0x${fn}` };
}

/** libvirt address attributes (hex or decimal, any case) -> `DDDD:BB:SS.F`; null when incomplete. */
export function pciAddressFrom(element: XmlElement | undefined): PciAddressText | null {
  const part = (name: string, width: number): string | null => {
    const text = attr(element, name);
    if (text === undefined) return null;
    const value = Number(text.toLowerCase().startsWith('0x') ? Number.parseInt(text.slice(2), 16) : Number.parseInt(text, 10));
    return Number.isInteger(value) && value >= 0 ? value.toString(16).padStart(width, '0') : null;
  };
  const [domain, bus, slot, fn] = [part('domain', 4), part('bus', 2), part('slot', 2), part('function', 1)];
  if (domain === null || bus === null || slot === null || fn === null) return null;
  return `${domain}:${bus}:${slot}.${fn}`;
}

/** <hostdev mode='subsystem' type='pci' managed='yes'><driver name='vfio'/>; a moved NIC: mode='capabilities' type='net'. */
export function buildHostdev(hostdev: HostdevModel): XmlElement {
  if (hostdev.kind === 'net') return { $: { mode: 'capabilities', type: 'net' }, source: { interface: hostdev.source } };
  return {
    $: { mode: 'subsystem', type: 'pci', managed: 'yes' },
    driver: { $: { name: 'vfio' } },
    source: { address: { $: pciAddressAttributes(hostdev.source) } },
  };
}

/** The PCI hostdevs vnfm writes; null for any other kind of hostdev. */
export function parseHostdev(element: XmlElement): HostdevModel | null {
  if (attr(element, 'mode') === 'capabilities' && attr(element, 'type') === 'net') {
    const source = textOf(child(child(element, 'source'), 'interface'));
    return source === undefined ? null : { kind: 'net', source };
  }
  if (attr(element, 'mode') !== 'subsystem' || attr(element, 'type') !== 'pci') return null;
  const source = pciAddressFrom(child(child(element, 'source'), 'address'));
  return source === null ? null : { kind: 'pci', source };
}
