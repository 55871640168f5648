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

/** Why vnfm does not write this name (undefined: it does). */
function nameProblem(name: string): string | undefined {
  if (!XML_NAME.test(name)) return `has the name '${name.slice(0, 80)}', which is not an XML name vnfm writes`;
  refuseForbiddenName(name);
  return undefined;
}

/** Why vnfm does not write this value as text (undefined: it does; null and undefined are left out). */
function textProblem(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean' && typeof value !== 'bigint') return `is a ${typeof value}, not text`;
  return xmlTextProblem(String(value), { multiline: true });
}

/** The refusal, spelt out only when there is one (a write names no path while it goes well). */
function refused(where: string, problem: string): UnsafeXmlError {
  return new UnsafeXmlError(`refusing to write XML: ${where} ${problem}`);
}

/** Where a node is in the tree, kept as links and spelt out only for a refusal: `domain/devices/disk[1]`. */
interface Where {
  up: Where | null;
  name: string;
  /** Its place in a list; -1: not in a list. */
  index: number;
}

function spell(where: Where): string {
  const own = where.index < 0 ? where.name : `${where.name}[${where.index}]`;
  return where.up === null ? own : `${spell(where.up)}/${own}`;
}

const TEXT_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#xD;' };
const ATTRIBUTE_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '"': '&quot;', '\t': '&#x9;', '\n': '&#xA;', '\r': '&#xD;' };
const escapeText = (text: string) => text.replace(/[&<>\r]/g, (char) => TEXT_ESCAPES[char]!);
const escapeAttribute = (value: string) => value.replace(/[&<"\t\n\r]/g, (char) => ATTRIBUTE_ESCAPES[char]!);

/**
 * One element, checked and written in one walk, as xml2js' Builder (xmlbuilder, pretty,
 * two-space indent) lays it out: a value that is no object is the element's text; `$` its
 * attributes (null ones left out); `_` its text; any other key a child element, a list one child
 * each. No content (or only empty text): `<name/>`; only text: on one line; otherwise each child
 * (a text too) on its own line, one level deeper. Refuses (UnsafeXmlError) a name that is not an
 * XML name and a value that is not XML 1.0 text, naming where (`domain/devices/interface[1]/source@path`);
 * a refusal throws the lines written so far away with it.
 */
function writeElement(lines: string[], name: string, node: unknown, indent: string, where: Where): void {
  if (node === null || typeof node !== 'object') {
    const problem = textProblem(node);
    if (problem !== undefined) throw refused(`the text of ${spell(where)}`, problem);
    const text = node === null || node === undefined ? '' : String(node);
    lines.push(text === '' ? `${indent}<${name}/>` : `${indent}<${name}>${escapeText(text)}</${name}>`);
    return;
  }
  if (Array.isArray(node)) throw new UnsafeXmlError(`refusing to write XML: ${spell(where)} is a list where an element belongs`);
  const element = node as Record<string, unknown>;
  let attributes = '';
  let childElements = 0;
  let text: string | undefined;
  for (const key in element) {
    if (!Object.hasOwn(element, key)) continue;
    const value = element[key];
    if (key === '$') {
      if (value === null || typeof value !== 'object') continue;
      const attributeValues = value as Record<string, unknown>;
      for (const attribute in attributeValues) {
        if (!Object.hasOwn(attributeValues, attribute)) continue;
        const badName = nameProblem(attribute);
        if (badName !== undefined) throw refused(`an attribute of ${spell(where)}`, badName);
        const attributeValue = attributeValues[attribute];
        const badValue = textProblem(attributeValue);
        if (badValue !== undefined) throw refused(`the attribute ${spell(where)}@${attribute}`, badValue);
        if (attributeValue !== null && attributeValue !== undefined) attributes += ` ${attribute}="${escapeAttribute(String(attributeValue))}"`;
      }
    } else if (key === '_') {
      const problem = textProblem(value);
      if (problem !== undefined) throw refused(`the text of ${spell(where)}`, problem);
      if (value !== null && value !== undefined) text = String(value);
    } else {
      const problem = nameProblem(key);
      if (problem !== undefined) throw refused(`a child of ${spell(where)}`, problem);
      childElements += Array.isArray(value) ? value.length : 1;
    }
  }
  if (childElements === 0 && (text === undefined || text === '')) {
    lines.push(`${indent}<${name}${attributes}/>`);
    return;
  }
  if (childElements === 0 && text !== undefined) {
    lines.push(`${indent}<${name}${attributes}>${escapeText(text)}</${name}>`);
    return;
  }
  lines.push(`${indent}<${name}${attributes}>`);
  const inner = `${indent}  `;
  for (const key in element) {
    if (key === '$' || !Object.hasOwn(element, key)) continue;
    const value = element[key];
    if (key === '_') {
      if (value !== null && value !== undefined) lines.push(`${inner}${escapeText(String(value))}`);
    } else if (Array.isArray(value)) {
      for (let index = 0; index < value.length; index++) writeElement(lines, key, value[index], inner, { up: where, name: key, index });
    } else {
      writeElement(lines, key, value, inner, { up: where, name: key, index: -1 });
    }
  }
  lines.push(`${indent}</${name}>`);
}

/**
 * Checks a tree as renderXml writes it and refuses (UnsafeXmlError) any element or attribute
 * name that is not an XML name, and any text or attribute value that is not XML 1.0 text (the
 * same test the request schema applies), naming where: `domain/title`,
 * `domain/devices/interface[1]/source@path`.
 */
export function assertXmlTree(rootName: string, root: XmlElement): void {
  renderXml(rootName, root);
}

/**
 * Serialises a tree with a fixed layout (xml2js' Builder's, byte for byte: xml-tree.spec.ts
 * checks it on the golden corpus; written here because that builder was most of the cost of
 * designing a domain), so equal models always give byte-equal XML. Refuses (UnsafeXmlError) a
 * tree it could not write as well-formed XML 1.0, rather than write it.
 */
export function renderXml(rootName: string, root: XmlElement): string {
  const problem = nameProblem(rootName);
  if (problem !== undefined) throw refused('the root element', problem);
  const lines: string[] = [];
  writeElement(lines, rootName, root, '', { up: null, name: rootName, index: -1 });
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
