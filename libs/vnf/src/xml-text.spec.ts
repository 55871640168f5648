import { describe, expect, it } from 'vitest';
import { fieldProblemsOf } from './field-problems.js';
import { NOT_XML_TEXT, codePointName, isXmlText, xmlTextProblem } from './patterns.js';
import { makeVnfSpecSchema } from './vnf-spec.schema.js';

/** Every noncharacter: U+FDD0..U+FDEF and the last two code points of each of the 17 planes. */
const NONCHARACTERS = [
  ...Array.from({ length: 32 }, (_, index) => 0xfdd0 + index),
  ...Array.from({ length: 17 }, (_, plane) => [plane * 0x10000 + 0xfffe, plane * 0x10000 + 0xffff]).flat(),
];

describe('XML 1.0 text (patterns.ts)', () => {
  it('names characters as U+XXXX', () => {
    expect(codePointName('\n')).toBe('U+000A');
    expect(codePointName('\ufffe')).toBe('U+FFFE');
    expect(codePointName('\u{1fffe}')).toBe('U+1FFFE');
    expect(codePointName('\u{10ffff}')).toBe('U+10FFFF');
    expect(codePointName('\ud800')).toBe('U+D800');
  });

  it('accepts ordinary text in every plane', () => {
    for (const text of ['', 'edge firewall', 'é ü ß', '日本語', '\u00a0', '\ud7ff', '\ue000', '\ufffd', '\ufdcf', '\ufdf0', '😀', '\u{1fffd}', '\u{10fffd}', '\u2028']) {
      expect(isXmlText(text), JSON.stringify(text)).toBe(true);
    }
  });

  it('refuses U+FFFE with a reason naming it', () => {
    expect(xmlTextProblem('\ufffe')).toBe('must be XML 1.0 text: U+FFFE is not allowed');
    expect(xmlTextProblem('a\uffffb')).toBe('must be XML 1.0 text: U+FFFF is not allowed');
  });

  it('refuses all 66 noncharacters, including the plane-end ones', () => {
    expect(NONCHARACTERS).toHaveLength(66);
    for (const codePoint of NONCHARACTERS) {
      const text = `x${String.fromCodePoint(codePoint)}y`;
      expect(xmlTextProblem(text), codePoint.toString(16)).toBe(`must be XML 1.0 text: ${codePointName(String.fromCodePoint(codePoint))} is not allowed`);
    }
    expect(xmlTextProblem('\u{1fffe}')).toBe('must be XML 1.0 text: U+1FFFE is not allowed');
    expect(xmlTextProblem('\u{10ffff}')).toBe('must be XML 1.0 text: U+10FFFF is not allowed');
  });

  it('refuses lone surrogates but not surrogate pairs', () => {
    expect(xmlTextProblem('\ud800')).toBe('must be XML 1.0 text: U+D800 is not allowed');
    expect(xmlTextProblem('a\udfffb')).toBe('must be XML 1.0 text: U+DFFF is not allowed');
    expect(xmlTextProblem('\udc00\ud800')).toBe('must be XML 1.0 text: U+DC00 is not allowed');
    expect(xmlTextProblem('ok\ud83d')).toBe('must be XML 1.0 text: U+D83D is not allowed');
    expect(isXmlText('\ud83d\ude00')).toBe(true);
  });

  it('refuses C0 controls, DEL and C1 controls', () => {
    for (let codePoint = 0; codePoint < 0x20; codePoint += 1) {
      if (codePoint === 0x09 || codePoint === 0x0a || codePoint === 0x0d) continue;
      expect(isXmlText(String.fromCharCode(codePoint), { multiline: true }), codePoint.toString(16)).toBe(false);
    }
    for (let codePoint = 0x7f; codePoint <= 0x9f; codePoint += 1) {
      expect(xmlTextProblem(String.fromCharCode(codePoint), { multiline: true })).toMatch(/^must be XML 1\.0 text: U\+00[789][0-9A-F] is not allowed$/);
    }
    expect(xmlTextProblem('\u0000')).toBe('must be XML 1.0 text: U+0000 is not allowed');
    expect(xmlTextProblem('\u0085')).toBe('must be XML 1.0 text: U+0085 is not allowed');
  });

  it('allows tab, LF and CR only where the text may span lines', () => {
    for (const breaker of ['\t', '\n', '\r']) {
      expect(isXmlText(`a${breaker}b`, { multiline: true })).toBe(true);
      expect(xmlTextProblem(`a${breaker}b`)).toBe(`must be XML 1.0 text on one line: ${codePointName(breaker)} is not allowed`);
    }
  });

  it('NOT_XML_TEXT finds the first offending character', () => {
    expect(NOT_XML_TEXT.exec('ab\u{2fffe}\u0001')?.[0]).toBe('\u{2fffe}');
    expect(NOT_XML_TEXT.test('plain')).toBe(false);
  });
});

describe('the request schema refuses non-XML text in every string field', () => {
  const schema = makeVnfSpecSchema({ defaultArch: 'aarch64' });
  const base = { name: 'xml-text', vcpus: 2, memoryMiB: 128 };
  const cases: Array<[field: string | ((bad: string) => string), body: (bad: string) => unknown]> = [
    ['name', (bad) => ({ ...base, name: `x${bad}` })],
    ['description', (bad) => ({ ...base, description: bad })],
    ['machine', (bad) => ({ ...base, machine: `virt${bad}` })],
    ['labels.site', (bad) => ({ ...base, labels: { site: `a${bad}` } })],
    [(bad) => `labels.a${bad}`, (bad) => ({ ...base, labels: { [`a${bad}`]: 'x' } })],
    ['cpu.vcpuPins[0]', (bad) => ({ ...base, cpu: { vcpuPins: [`1${bad}`, '2'] } })],
    ['cpu.emulatorPin', (bad) => ({ ...base, cpu: { emulatorPin: bad } })],
    ['boot.kernel', (bad) => ({ ...base, boot: { kernel: `/k${bad}` } })],
    ['boot.initrd', (bad) => ({ ...base, boot: { kernel: '/k', initrd: `/i${bad}` } })],
    ['boot.dtb', (bad) => ({ ...base, boot: { kernel: '/k', dtb: `/d${bad}` } })],
    ['boot.cmdline', (bad) => ({ ...base, boot: { kernel: '/k', cmdline: `console=ttyAMA0 ${bad}` } })],
    ['disks[0].path', (bad) => ({ ...base, disks: [{ path: `/d${bad}`, format: 'raw' }] })],
    ['interfaces[0].network', (bad) => ({ ...base, interfaces: [{ type: 'network', network: `n${bad}` }] })],
    ['interfaces[0].bridge', (bad) => ({ ...base, interfaces: [{ type: 'bridge', bridge: `b${bad}` }] })],
    ['interfaces[0].device', (bad) => ({ ...base, interfaces: [{ type: 'direct', device: `e${bad}` }] })],
    ['interfaces[0].socket', (bad) => ({ ...base, interfaces: [{ type: 'vhostuser', socket: `/s${bad}` }] })],
    ['interfaces[0].mac', (bad) => ({ ...base, interfaces: [{ type: 'user', mac: `52:54:00:00:00:0${bad}` }] })],
    ['interfaces[0].address', (bad) => ({ ...base, interfaces: [{ type: 'sriov-vf', address: `0000:03:02.1${bad}` }] })],
    ['hostDevices[0].address', (bad) => ({ ...base, hostDevices: [{ type: 'vfio-pci', address: `0000:04:00.0${bad}` }] })],
    ['hostDevices[0].select.vendor', (bad) => ({ ...base, hostDevices: [{ type: 'vfio-pci', select: { vendor: `80${bad}` } }] })],
    ['hostDevices[0].device', (bad) => ({ ...base, hostDevices: [{ type: 'vfio-platform', device: `f.eth${bad}` }] })],
    ['hostDevices[0].select.compatible', (bad) => ({ ...base, hostDevices: [{ type: 'vfio-platform', select: { compatible: `fsl${bad}` } }] })],
    ['hostDevices[0].container', (bad) => ({ ...base, hostDevices: [{ type: 'fsl-mc', container: `dprc.2${bad}` }] })],
  ];
  const poison = ['\ufffe', '\uffff', '\u{1fffe}', '\u{10ffff}', '\ufdd0', '\ud800', '\udfff', '\u0085', '\u009f', '\u0000', '\u001b', '\u007f'];

  it.each(cases)('%s', (fieldOf, body) => {
    for (const bad of poison) {
      const field = typeof fieldOf === 'string' ? fieldOf : fieldOf(bad);
      const result = schema.safeParse(body(bad));
      expect(result.success, `${field} = ${JSON.stringify(bad)}`).toBe(false);
      const problems = fieldProblemsOf(result.error!.issues);
      const reason = problems.find((problem) => problem.field === field)?.reason;
      expect(reason, `${field} = ${JSON.stringify(bad)}: ${JSON.stringify(problems)}`).toMatch(new RegExp(`must be XML 1\\.0 text: ${codePointName(bad).replace('+', '\\+')} is not allowed`));
    }
  });

  it('a description of U+FFFE (the fault-campaign finding) is a field problem, not a builder crash', () => {
    const result = schema.safeParse({ ...base, description: '\ufffe' });
    expect(result.success).toBe(false);
    expect(fieldProblemsOf(result.error!.issues)).toEqual([{ field: 'description', reason: 'must be XML 1.0 text: U+FFFE is not allowed' }]);
  });

  it('the description stays one line (it is also the libvirt <title>)', () => {
    const result = schema.safeParse({ ...base, description: 'a\nb' });
    expect(fieldProblemsOf(result.error!.issues)).toEqual([{ field: 'description', reason: 'must be XML 1.0 text on one line: U+000A is not allowed' }]);
  });

  it('refused record keys carry the key schema reason', () => {
    const result = schema.safeParse({ ...base, hostDevices: [{ type: 'fsl-mc', select: { objects: { 'dpni,x': 1 } } }] });
    expect(fieldProblemsOf(result.error!.issues)).toEqual([{ field: 'hostDevices[0].select.objects.dpni,x', reason: 'key must be a DPAA2 object type such as dpni' }]);
  });
});
