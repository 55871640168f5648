import type { QemuCommandlineModel, QemuVfioDevice } from './domain.model.js';
import { attr, children, type XmlElement } from './xml-tree.js';

export const QEMU_COMMANDLINE = 'qemu:commandline';

/** A sysfs device name safe inside one QEMU `-device` argument: no `,` `=` whitespace `/` or `..`. */
const SAFE_HOST = /^[A-Za-z0-9_][A-Za-z0-9_:-]*(\.[A-Za-z0-9_:-]+)*$/;
const DEVICE_ARG = /^(vfio-platform|vfio-fsl-mc),host=([^,=\s]+)$/;

function deviceArgument(device: QemuVfioDevice): string {
  if (!SAFE_HOST.test(device.host) || device.host.length > 128) {
    throw new Error(`refusing to put '${device.host}' into a QEMU argument`);
  }
  return `${device.driver},host=${device.host}`;
}

/** Each device as a `-device` / `DRIVER,host=NAME` pair of separate <qemu:arg> elements. */
export function buildQemuCommandline(section: QemuCommandlineModel): XmlElement {
  const args = section.devices.flatMap((device) => ['-device', deviceArgument(device)]);
  return { 'qemu:arg': args.map((value) => ({ $: { value } })) };
}

/** The VFIO `-device` pairs found in <qemu:commandline>, plus any other argument, verbatim. */
export function parseQemuCommandline(element: XmlElement | undefined): { section: QemuCommandlineModel; otherArgs: string[] } | undefined {
  if (!element) return undefined;
  const args = children(element, 'qemu:arg').map((arg) => attr(arg, 'value') ?? '');
  const devices: QemuVfioDevice[] = [];
  const otherArgs: string[] = [];
  for (let index = 0; index < args.length; index += 1) {
    const match = args[index] === '-device' ? DEVICE_ARG.exec(args[index + 1] ?? '') : null;
    if (match) {
      devices.push({ driver: match[1] as QemuVfioDevice['driver'], host: match[2]! });
      index += 1;
    } else {
      otherArgs.push(args[index]!);
    }
  }
  return { section: { devices }, otherArgs };
}
