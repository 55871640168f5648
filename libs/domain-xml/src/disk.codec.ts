import type { DiskModel } from './domain.model.js';
import { attr, child, type XmlElement } from './xml-tree.js';

/** <disk type='file'|'block' device='disk'> on the virtio bus, explicit format, no host cache. */
export function buildDisk(disk: DiskModel): XmlElement {
  const driver: Record<string, string> = { name: 'qemu', type: disk.format, cache: 'none', io: 'native' };
  if (disk.iothread !== undefined) driver.iothread = String(disk.iothread);
  const element: XmlElement = {
    $: { type: disk.source, device: 'disk' },
    driver: { $: driver },
    source: { $: disk.source === 'block' ? { dev: disk.path } : { file: disk.path } },
    target: { $: { dev: disk.target, bus: 'virtio' } },
  };
  if (disk.readonly) element.readonly = '';
  return element;
}

/** File- and block-backed disks; null for other kinds (CD-ROMs, network disks) vnfm does not write. */
export function parseDisk(element: XmlElement): DiskModel | null {
  const type = attr(element, 'type');
  if ((type !== 'file' && type !== 'block') || attr(element, 'device') !== 'disk') return null;
  const driver = child(element, 'driver');
  const iothread = attr(driver, 'iothread');
  return {
    source: type,
    path: attr(child(element, 'source'), type === 'block' ? 'dev' : 'file') ?? '',
    format: (attr(driver, 'type') ?? 'raw') as DiskModel['format'],
    target: attr(child(element, 'target'), 'dev') ?? '',
    readonly: child(element, 'readonly') !== undefined,
    ...(iothread === undefined ? {} : { iothread: Number(iothread) }),
  };
}
