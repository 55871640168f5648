import { pciIdText, type PciDeviceFacts } from './host-device.model.js';

/**
 * `VNFM_DEVICE_ALLOW`: which PCI devices still bound to a host driver vnfm may hand to libvirt
 * (`managed='yes'` detaches them at start). Comma-separated entries, each either
 * `vendor:device` IDs (`8086:154c`, `8086:*`) or a PCI address glob (`0000:03:00.*`, `0000:5e:*`).
 */
export interface DeviceAllowList {
  readonly entries: readonly string[];
  allows(device: PciDeviceFacts): boolean;
}

const ID_ENTRY = /^([0-9a-f]{4}):([0-9a-f]{4}|\*)$/;
const ADDRESS_GLOB = /^[0-9a-f*]{1,4}:[0-9a-f*]{1,2}:[0-9a-f*]{1,2}(\.[0-7*])?$/;

export class InvalidAllowListEntryError extends Error {}

function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/\./g, '\\.').replace(/\*/g, '[0-9a-f.:]*')}$`);
}

export function parseDeviceAllowList(text: string): DeviceAllowList {
  const entries = text
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .filter((entry) => entry !== '');
  const matchers = entries.map((entry): ((device: PciDeviceFacts) => boolean) => {
    const ids = ID_ENTRY.exec(entry);
    if (ids) {
      const [, vendor, device] = ids;
      return (candidate) => pciIdText(candidate.vendor) === vendor && (device === '*' || pciIdText(candidate.device) === device);
    }
    if (ADDRESS_GLOB.test(entry)) {
      const pattern = globToRegExp(entry);
      return (candidate) => pattern.test(candidate.address);
    }
    throw new InvalidAllowListEntryError(`'${entry}' is neither vendor:device (8086:154c, 8086:*) nor a PCI address glob (0000:03:00.*)`);
  });
  return { entries, allows: (device) => matchers.some((matches) => matches(device)) };
}

export const EMPTY_ALLOW_LIST: DeviceAllowList = { entries: [], allows: () => false };
