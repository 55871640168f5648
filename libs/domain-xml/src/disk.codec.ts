import type { DiskModel } from './domain.model.js';
import { attr, child, type XmlElement } from './xml-tree.js';

/** <disk type='file' device='disk'> on the virtio bus, explicit format, no host cache. */
export function buildDisk(disk: DiskModel): XmlElement {
  const driver: Record<string, string> = { name: 'qemu', type: disk.format, cache: 'none', io: 'native' };
  if (disk.iothread !== undefined) driver.iothread = String(disk.iothread);
  const element: XmlElement = {
    $: { type: 'file', device: 'disk' },
    driver: { $: driver },
    source: { $: { file: disk.path } },
    target: { $: { dev: disk.target, bus: 'virtio' } },
  };
  if (disk.readonly) element.readonly = '';
  return element;
}

/** File-backed disks; null for other kinds (CD-ROMs, network disks) vnfm does not write. */
export function parseDisk(element: XmlElement): DiskModel | null {
  if (attr(element, 'type') !== 'file' || attr(element, 'device') !== 'disk') return null;
  const driver = child(element, 'driver');
  const iothread = attr(driver, 'iothread');
  return {
    path: attr(child(element, 'source'), 'file') ?? '',
    format: (attr(driver, 'type') ?? 'raw') as DiskModel['format'],
    target: attr(child(element, 'target'), 'dev') ?? '',
    readonly: child(element, 'readonly') !== undefined,
    ...(iothread === undefined ? {} : { iothread: Number(iothread) }),
  };
}
