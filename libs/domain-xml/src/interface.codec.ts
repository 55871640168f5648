import type { InterfaceModel } from './domain.model.js';
import { attr, child, type XmlElement } from './xml-tree.js';

/** <interface> for the virtio NIC kinds vnfm manages. */
export function buildInterface(nic: InterfaceModel): XmlElement {
  const element: XmlElement = { $: { type: nic.kind } };
  element.mac = { $: { address: nic.mac } };
  switch (nic.kind) {
    case 'user':
      break;
    case 'network':
      element.source = { $: { network: nic.network } };
      break;
    case 'bridge':
      element.source = { $: { bridge: nic.bridge } };
      if (nic.openvswitch) element.virtualport = { $: { type: 'openvswitch' } };
      if (nic.vlanTag !== undefined) element.vlan = { tag: { $: { id: String(nic.vlanTag) } } };
      break;
  }
  element.model = { $: { type: 'virtio' } };
  if (nic.queues !== undefined) element.driver = { $: { name: 'vhost', queues: String(nic.queues) } };
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
    case 'bridge': {
      const vlanTag = attr(child(child(element, 'vlan'), 'tag'), 'id');
      return {
        kind,
        mac,
        bridge: attr(source, 'bridge') ?? '',
        openvswitch: attr(child(element, 'virtualport'), 'type') === 'openvswitch',
        ...(vlanTag === undefined ? {} : { vlanTag: Number(vlanTag) }),
        ...tuning,
      };
    }
    default:
      return null;
  }
}
