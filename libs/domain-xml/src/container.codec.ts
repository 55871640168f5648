import type { ContainerInitModel, FilesystemModel } from './domain.model.js';
import { attr, child, children, textElement, textOf, type XmlElement } from './xml-tree.js';

/** The <os> children of a container: <init>, then each <initarg>, then each <initenv>. */
export function buildContainerInit(init: ContainerInitModel): XmlElement {
  const element: XmlElement = { init: init.path };
  if (init.args.length > 0) element.initarg = [...init.args];
  if (init.env.length > 0) element.initenv = init.env.map((entry) => textElement(entry.value, { name: entry.name }));
  return element;
}

/** A container's init from <os>; null when it has none (a VM). */
export function parseContainerInit(os: XmlElement | undefined): ContainerInitModel | null {
  const path = textOf(child(os, 'init'));
  if (path === undefined) return null;
  return {
    path,
    args: children(os, 'initarg').map((arg) => textOf(arg) ?? ''),
    env: children(os, 'initenv').map((entry) => ({ name: attr(entry, 'name') ?? '', value: textOf(entry) ?? '' })),
  };
}

/** <filesystem type='mount' accessmode='passthrough'> with an optional <readonly/>. */
export function buildFilesystem(filesystem: FilesystemModel): XmlElement {
  const element: XmlElement = {
    $: { type: 'mount', accessmode: 'passthrough' },
    source: { $: { dir: filesystem.source } },
    target: { $: { dir: filesystem.target } },
  };
  if (filesystem.readonly) element.readonly = '';
  return element;
}

/** Bind mounts of host directories; null for the other filesystem types vnfm does not write. */
export function parseFilesystem(element: XmlElement): FilesystemModel | null {
  if ((attr(element, 'type') ?? 'mount') !== 'mount') return null;
  return {
    source: attr(child(element, 'source'), 'dir') ?? '',
    target: attr(child(element, 'target'), 'dir') ?? '',
    readonly: child(element, 'readonly') !== undefined,
  };
}
