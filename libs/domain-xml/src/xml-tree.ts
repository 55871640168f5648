import { Builder, parseStringPromise } from 'xml2js';

/**
 * The xml2js tree shape vnfm builds and reads: attributes under `$`, text under `_`,
 * and (when parsing) every child element as an array.
 */
export type XmlAttributes = Record<string, string>;
export interface XmlElement {
  $?: XmlAttributes;
  _?: string;
  [child: string]: unknown;
}

export class UnsafeXmlError extends Error {}

const FORBIDDEN_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

function refuseForbiddenName(name: string): string {
  const local = name.includes(':') ? name.slice(name.indexOf(':') + 1) : name;
  if (FORBIDDEN_NAMES.has(local) || FORBIDDEN_NAMES.has(name)) {
    throw new UnsafeXmlError(`XML name '${name}' is refused`);
  }
  return name;
}

/** Serialises a tree with a fixed layout, so equal models always give byte-equal XML. */
export function renderXml(rootName: string, root: XmlElement): string {
  const builder = new Builder({
    headless: true,
    rootName,
    renderOpts: { pretty: true, indent: '  ', newline: '\n' },
  });
  return `${builder.buildObject(root)}\n`;
}

/**
 * Parses XML from libvirt (or a person) without DTDs or entities, and refuses element or
 * attribute names that could reach Object.prototype through xml2js' plain objects.
 */
export async function parseXml(xml: string): Promise<Record<string, XmlElement[] | XmlElement>> {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new UnsafeXmlError('XML with a DTD or entity declarations is refused');
  return (await parseStringPromise(xml, {
    explicitArray: true,
    explicitRoot: true,
    attrkey: '$',
    charkey: '_',
    trim: true,
    strict: true,
    tagNameProcessors: [refuseForbiddenName],
    attrNameProcessors: [refuseForbiddenName],
  })) as Record<string, XmlElement[] | XmlElement>;
}

/** The children named `name` of a parsed element (an empty list when absent). */
export function children(element: XmlElement | undefined, name: string): XmlElement[] {
  const value = element?.[name];
  if (!Array.isArray(value)) return [];
  return value.map((child: unknown) => (typeof child === 'string' ? { _: child } : (child as XmlElement)));
}

export function child(element: XmlElement | undefined, name: string): XmlElement | undefined {
  return children(element, name)[0];
}

export function textOf(element: XmlElement | undefined): string | undefined {
  if (element === undefined) return undefined;
  const text = element._;
  return typeof text === 'string' ? text : undefined;
}

export function attr(element: XmlElement | undefined, name: string): string | undefined {
  return element?.$?.[name];
}

/** A child element whose text is `text`, with optional attributes. */
export function textElement(text: string | number, attributes?: XmlAttributes): XmlElement | string {
  return attributes ? { $: attributes, _: String(text) } : String(text);
}

const KIB_PER_UNIT: Record<string, number> = {
  b: 1 / 1024,
  bytes: 1 / 1024,
  kb: 1000 / 1024,
  k: 1,
  kib: 1,
  mb: 1_000_000 / 1024,
  m: 1024,
  mib: 1024,
  gb: 1_000_000_000 / 1024,
  g: 1024 ** 2,
  gib: 1024 ** 2,
  tb: 1_000_000_000_000 / 1024,
  t: 1024 ** 3,
  tib: 1024 ** 3,
};

/** libvirt's scaled integers (`<memory unit='GiB'>2</memory>`) in KiB; libvirt's default unit is KiB. */
export function toKiB(value: string, unit = 'KiB'): number {
  const factor = KIB_PER_UNIT[unit.toLowerCase()];
  if (factor === undefined) throw new Error(`unknown memory unit '${unit}'`);
  return Math.round(Number(value) * factor);
}
