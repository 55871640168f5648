import type { InterfaceModel } from './domain.model.js';
import { pciAddressAttributes, pciAddressFrom } from './hostdev.codec.js';
import { attr, child, type XmlElement } from './xml-tree.js';

function vlanElement(tag: number | undefined): XmlElement | undefined {
  return tag === undefined ? undefined : { tag: { $: { id: String(tag) } } };
}

function vlanTagOf(element: XmlElement): { vlanTag?: number } {
  const tag = attr(child(child(element, 'vlan'), 'tag'), 'id');
  return tag === undefined ? {} : { vlanTag: Number(tag) };
}

/** An SR-IOV VF: libvirt sets the MAC and VLAN on the VF, then hands it over with VFIO. */
function buildHostdevInterface(nic: Extract<InterfaceModel, { kind: 'hostdev' }>): XmlElement {
  const element: XmlElement = { $: { type: 'hostdev', managed: 'yes' }, mac: { $: { address: nic.mac } } };
  element.driver = { $: { name: 'vfio' } };
  element.source = { address: { $: { type: 'pci', ...pciAddressAttributes(nic.source) } } };
  const vlan = vlanElement(nic.vlanTag);
  if (vlan) element.vlan = vlan;
  return element;
}

/** <interface> for the NIC kinds vnfm manages; a container's (`virtio: false`) has no device model. */
export function buildInterface(nic: InterfaceModel, options: { virtio: boolean } = { virtio: true }): XmlElement {
  if (nic.kind === 'hostdev') return buildHostdevInterface(nic);
  const element: XmlElement = { $: { type: nic.kind } };
  element.mac = { $: { address: nic.mac } };
  switch (nic.kind) {
    case 'user':
      break;
    case 'network':
      element.source = { $: { network: nic.network } };
      break;
    case 'direct':
      element.source = { $: { dev: nic.device, mode: nic.mode } };
      break;
    case 'vhostuser':
      element.source = { $: { type: 'unix', path: nic.socket, mode: nic.mode } };
      if (nic.mode === 'client') (element.source as XmlElement).reconnect = { $: { enabled: 'yes', timeout: '10' } };
      break;
    case 'bridge':
      element.source = { $: { bridge: nic.bridge } };
      if (nic.openvswitch) element.virtualport = { $: { type: 'openvswitch' } };
      if (nic.vlanTag !== undefined) element.vlan = vlanElement(nic.vlanTag)!;
      break;
  }
  if (options.virtio) element.model = { $: { type: 'virtio' } };
  // vhost-user has its own backend: its <driver> carries queues but no vhost-net name.
  if (nic.queues !== undefined) element.driver = { $: nic.kind === 'vhostuser' ? { queues: String(nic.queues) } : { name: 'vhost', queues: String(nic.queues) } };
  return element;
}

/** Reads back the fields vnfm owns; null for interface kinds vnfm does not manage. */
export function parseInterface(element: XmlElement): InterfaceModel | null {
  const kind = attr(element, 'type');
  const mac = (attr(child(element, 'mac'), 'address') ?? '').toLowerCase();
  const queuesText = attr(child(element, 'driver'), 'queues');
  const tuning = queuesText === undefined ? {} : { queues: Number(queuesText) };
  const source = child(element, 'source');
  switch (kind) {
    case 'user':
      return { kind, mac, ...tuning };
    case 'network':
      return { kind, mac, network: attr(source, 'network') ?? '', ...tuning };
    case 'direct':
      return { kind, mac, device: attr(source, 'dev') ?? '', mode: (attr(source, 'mode') ?? 'vepa') as 'bridge', ...tuning };
    case 'vhostuser':
      return { kind, mac, socket: attr(source, 'path') ?? '', mode: (attr(source, 'mode') ?? '') as 'server', ...tuning };
    case 'bridge':
      return {
        kind,
        mac,
        bridge: attr(source, 'bridge') ?? '',
        openvswitch: attr(child(element, 'virtualport'), 'type') === 'openvswitch',
        ...vlanTagOf(element),
        ...tuning,
      };
    case 'hostdev':
      return { kind, mac, source: pciAddressFrom(child(source, 'address')) ?? '', ...vlanTagOf(element) };
    default:
      return null;
  }
}
