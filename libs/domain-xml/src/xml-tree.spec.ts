import fc from 'fast-check';
import { Builder } from 'xml2js';
import { describe, expect, it } from 'vitest';
import { UnsafeXmlError, assertXmlTree, parseXml, renderXml, type XmlElement } from './xml-tree.js';

describe('renderXml refuses anything that is not XML 1.0', () => {
  it('writes ordinary text, attributes and lists', async () => {
    const xml = renderXml('domain', { $: { type: 'qemu' }, title: 'edge é 😀', devices: { disk: [{ $: { file: '/a' } }, { $: { file: '/b' } }] }, memory: { $: { unit: 'KiB' }, _: '1024' } });
    expect(xml).toContain('<title>edge é 😀</title>');
    expect(xml).toContain(`<disk file="/b"/>`);
    const parsed = await parseXml(xml);
    expect(parsed.domain).toBeDefined();
  });

  it('keeps tab, LF and CR (XML 1.0 allows them)', () => {
    expect(() => renderXml('domain', { description: 'a\tb\nc\rd' })).not.toThrow();
  });

  const poison: Array<[string, string]> = [
    ['\ufffe', 'U+FFFE'],
    ['\uffff', 'U+FFFF'],
    ['\u{1fffe}', 'U+1FFFE'],
    ['\u{1ffff}', 'U+1FFFF'],
    ['\u{10fffe}', 'U+10FFFE'],
    ['\ufdd0', 'U+FDD0'],
    ['\ufdef', 'U+FDEF'],
    ['\ud800', 'U+D800'],
    ['\udc00', 'U+DC00'],
    ['\u0000', 'U+0000'],
    ['\u000b', 'U+000B'],
    ['\u001f', 'U+001F'],
    ['\u007f', 'U+007F'],
    ['\u0080', 'U+0080'],
    ['\u009f', 'U+009F'],
  ];

  it.each(poison)('text %j', (bad, name) => {
    expect(() => renderXml('domain', { title: `a${bad}b` })).toThrow(UnsafeXmlError);
    expect(() => renderXml('domain', { title: `a${bad}b` })).toThrow(`refusing to write XML: the text of domain/title must be XML 1.0 text: ${name} is not allowed`);
    expect(() => renderXml('domain', { memory: { $: { unit: 'KiB' }, _: bad } })).toThrow(`the text of domain/memory must be XML 1.0 text: ${name}`);
    expect(() => renderXml('domain', { devices: { disk: [{ _: 'ok' }, bad] } })).toThrow(`the text of domain/devices/disk[1] must be XML 1.0 text: ${name}`);
  });

  it.each(poison)('attribute value %j', (bad, name) => {
    expect(() => renderXml('domain', { devices: { interface: [{ source: { $: { path: `/run/${bad}` } } }] } })).toThrow(
      `refusing to write XML: the attribute domain/devices/interface[0]/source@path must be XML 1.0 text: ${name} is not allowed`,
    );
  });

  it('refuses names that are not XML names or reach Object.prototype', () => {
    expect(() => renderXml('domain', { 'bad name': 'x' })).toThrow(UnsafeXmlError);
    expect(() => renderXml('domain', { $: { 'a"b': 'x' } })).toThrow(UnsafeXmlError);
    expect(() => renderXml('1domain', {})).toThrow(UnsafeXmlError);
    expect(() => renderXml('domain', JSON.parse('{"__proto__": "x"}') as XmlElement)).toThrow(UnsafeXmlError);
    expect(() => renderXml('domain', { 'qemu:commandline': { 'qemu:arg': [{ $: { value: '-x' } }] }, $: { 'xmlns:qemu': 'urn:x' } })).not.toThrow();
  });

  it('refuses values that are not text', () => {
    expect(() => assertXmlTree('domain', { title: (() => 'x') as unknown as string })).toThrow('domain/title is a function, not text');
    expect(() => assertXmlTree('domain', { title: [['x']] })).toThrow('is a list where an element belongs');
  });

  it('writes nothing when it refuses: the error comes before the builder', () => {
    let thrown: unknown;
    try {
      renderXml('domain', { title: 'ok', description: '\ufffe' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UnsafeXmlError);
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).message).not.toMatch(/Invalid character/);
  });
});

describe('renderXml lays a tree out as xml2js\' Builder does, byte for byte', () => {
  const builder = (root: XmlElement) => `${new Builder({ headless: true, rootName: 'domain', renderOpts: { pretty: true, indent: '  ', newline: '\n' } }).buildObject(root)}\n`;

  it('on the shapes vnfm writes and their edges (empty, null, numbers, escapes, lists, mixed text)', () => {
    const trees: XmlElement[] = [
      { a: null, b: undefined, c: '', d: {}, e: { _: '' }, f: 5, g: true },
      { $: { type: 'kvm', id: undefined, n: 3 } as unknown as Record<string, string>, name: 'x', memory: { $: { unit: 'KiB' }, _: '1024' } },
      { a: { $: { q: `"<&>'\t\n\r` }, _: `<&>"'\r\n\t` }, b: '  spaced  ' },
      { devices: { disk: [{ $: { file: '/a' } }, { $: { file: '/b' }, target: { $: { dev: 'vda' } } }], interface: [] }, empty: [] },
      { a: ['x', { $: { k: 'v' } }, 3, null, ''] },
      { a: { _: 'text first', b: 'c' }, z: { b: 'c', _: 'text last' } },
      { nested: { b: { c: { d: { e: 'deep' } } } } },
      { a: { _: 'text', b: [] }, c: { b: [], _: '' }, d: { _: '', e: 'f' }, g: { $: { k: 'v' }, _: '', h: [] } },
    ];
    for (const tree of trees) expect(renderXml('domain', tree)).toBe(builder(tree));
    expect(renderXml('domain', {})).toBe('<domain/>\n');
  });

  it('on random trees of names, attributes and XML 1.0 text', () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9_-]{0,6}$/).filter((text) => !['constructor', 'prototype'].includes(text));
    const text = fc.oneof(fc.string({ maxLength: 12 }).filter((value) => /^[\t\n\r\x20-\x7e\u00a0-\ud7ff]*$/.test(value)), fc.integer(), fc.constant(''));
    const tree = fc.letrec<{ node: XmlElement }>((of) => ({
      node: fc
        .record(
          {
            attributes: fc.option(fc.dictionary(name, fc.option(text, { nil: undefined }), { maxKeys: 3 }), { nil: undefined }),
            text: fc.option(text, { nil: undefined }),
            children: fc.dictionary(name, fc.oneof({ depthSize: 'small' }, text, of('node'), fc.array(fc.oneof(text, of('node')), { maxLength: 3 })), { maxKeys: 4 }),
          },
          { requiredKeys: ['children'] },
        )
        .map(({ attributes, text: ownText, children: kids }) => ({ ...(attributes ? { $: attributes as Record<string, string> } : {}), ...(ownText === undefined ? {} : { _: String(ownText) }), ...kids }) as XmlElement),
    }));
    fc.assert(
      fc.property(tree.node, (root) => {
        expect(renderXml('domain', root)).toBe(builder(root));
      }),
      { numRuns: 2000 },
    );
  });
});
