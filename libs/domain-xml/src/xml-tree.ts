import { parseStringPromise } from 'xml2js';
import { xmlTextProblem } from '../../vnf/src/patterns.js';

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

/** An element or attribute name vnfm writes: ASCII XML names, optionally with one namespace prefix. */
const XML_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*(:[A-Za-z_][A-Za-z0-9_.-]*)?$/;

function refuseName(name: string, where: string): void {
  if (!XML_NAME.test(name)) throw new UnsafeXmlError(`refusing to write XML: ${where} has the name '${name.slice(0, 80)}', which is not an XML name vnfm writes`);
  refuseForbiddenName(name);
}

function refuseText(value: unknown, where: string): void {
  if (value === null || value === undefined) return;
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean' && typeof value !== 'bigint') {
    throw new UnsafeXmlError(`refusing to write XML: ${where} is a ${typeof value}, not text`);
  }
  const problem = xmlTextProblem(String(value), { multiline: true });
  if (problem !== undefined) throw new UnsafeXmlError(`refusing to write XML: ${where} ${problem}`);
}

/**
 * Walks a tree as xml2js' Builder renders it and refuses (UnsafeXmlError) any element or
 * attribute name that is not an XML name, and any text or attribute value that is not XML 1.0
 * text (the same test the request schema applies), naming where: `domain/title`,
 * `domain/devices/interface[1]/source@path`.
 */
export function assertXmlTree(rootName: string, root: XmlElement): void {
  refuseName(rootName, 'the root element');
  const pending: Array<{ node: unknown; where: string }> = [{ node: root, where: rootName }];
  while (pending.length > 0) {
    const { node, where } = pending.pop()!;
    if (node === null || typeof node !== 'object') {
      refuseText(node, `the text of ${where}`);
      continue;
    }
    if (Array.isArray(node)) throw new UnsafeXmlError(`refusing to write XML: ${where} is a list where an element belongs`);
    for (const [key, child] of Object.entries(node)) {
      if (key === '$') {
        if (child === null || typeof child !== 'object') continue;
        for (const [attribute, value] of Object.entries(child as Record<string, unknown>)) {
          refuseName(attribute, `an attribute of ${where}`);
          refuseText(value, `the attribute ${where}@${attribute}`);
        }
      } else if (key === '_') {
        refuseText(child, `the text of ${where}`);
      } else {
        refuseName(key, `a child of ${where}`);
        const items = Array.isArray(child) ? child : [child];
        items.forEach((item, index) => pending.push({ node: item, where: Array.isArray(child) ? `${where}/${key}[${index}]` : `${where}/${key}` }));
      }
    }
  }
}

const TEXT_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#xD;' };
const ATTRIBUTE_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '"': '&quot;', '\t': '&#x9;', '\n': '&#xA;', '\r': '&#xD;' };
const escapeText = (text: string) => text.replace(/[&<>\r]/g, (char) => TEXT_ESCAPES[char]!);
const escapeAttribute = (value: string) => value.replace(/[&<"\t\n\r]/g, (char) => ATTRIBUTE_ESCAPES[char]!);

/** What an element holds, in order: text, or a child element by name. */
type XmlContent = { text: string } | { name: string; node: unknown };

/**
 * One element, as xml2js' Builder (xmlbuilder, pretty, two-space indent) lays it out: a value
 * that is no object is the element's text; `$` its attributes (null ones left out); `_` its text;
 * any other key a child element, a list one child each. No content (or only empty text):
 * `<name/>`; only text: on one line; otherwise each child (a text too) on its own line, one
 * level deeper.
 */
function writeElement(lines: string[], name: string, node: unknown, indent: string): void {
  let attributes = '';
  const content: XmlContent[] = [];
  if (node === null || typeof node !== 'object') {
    content.push({ text: node === null || node === undefined ? '' : String(node) });
  } else {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$') {
        if (value === null || typeof value !== 'object') continue;
        for (const [attribute, attributeValue] of Object.entries(value as Record<string, unknown>)) {
          if (attributeValue !== null && attributeValue !== undefined) attributes += ` ${attribute}="${escapeAttribute(String(attributeValue))}"`;
        }
      } else if (key === '_') {
        if (value !== null && value !== undefined) content.push({ text: String(value) });
      } else if (Array.isArray(value)) {
        for (const item of value) content.push({ name: key, node: item });
      } else {
        content.push({ name: key, node: value });
      }
    }
  }
  if (content.every((item) => 'text' in item && item.text === '')) {
    lines.push(`${indent}<${name}${attributes}/>`);
    return;
  }
  const only = content[0]!;
  if (content.length === 1 && 'text' in only) {
    lines.push(`${indent}<${name}${attributes}>${escapeText(only.text)}</${name}>`);
    return;
  }
  lines.push(`${indent}<${name}${attributes}>`);
  const inner = `${indent}  `;
  for (const item of content) {
    if ('text' in item) lines.push(`${inner}${escapeText(item.text)}`);
    else writeElement(lines, item.name, item.node, inner);
  }
  lines.push(`${indent}</${name}>`);
}

/**
 * Serialises a tree with a fixed layout (xml2js' Builder's, byte for byte: xml-tree.spec.ts
 * checks it on the golden corpus; written here because that builder was most of the cost of
 * designing a domain), so equal models always give byte-equal XML. Refuses (UnsafeXmlError) a
 * tree it could not write as well-formed XML 1.0, rather than write it.
 */
export function renderXml(rootName: string, root: XmlElement): string {
  assertXmlTree(rootName, root);
  const lines: string[] = [];
  writeElement(lines, rootName, root, '');
  return `${lines.join('\n')}\n`;
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
