import fc from 'fast-check';
import { validCaseArb } from './arbitraries.js';

/**
 * Request generators for fuzzing the HTTP API: valid requests (from the request schema's
 * contract), near-valid ones (one field mutated) and hostile ones (poison strings, reserved keys,
 * huge numbers, wrong types, unknown fields, broken bodies). Bodies are JS values serialised by
 * `toJson`, which keeps own `__proto__` keys and writes RawJson tokens (1e400, deep nesting) as they are.
 */

/** A JSON fragment written into the body text as it is (numbers JSON.stringify cannot write, nesting). */
export class RawJson {
  constructor(readonly text: string) {}
  toString(): string {
    return `RawJson(${this.text.length > 40 ? `${this.text.slice(0, 40)}...` : this.text})`;
  }
}

export const RESERVED_KEYS = ['__proto__', 'constructor', 'prototype'] as const;

/** JSON text of a generated body: own keys in order (`__proto__` included), RawJson verbatim. */
export function toJson(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .map((key) => `${JSON.stringify(key)}:${toJson((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Sets a key as an own enumerable property, `__proto__` too (plain assignment would set the prototype). */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Characters that are not XML 1.0 text (or are, but must never reach an argument or a name). */
export const POISON_CHARS = [
  '\ufffe', '\uffff', '\u{1fffe}', '\u{1ffff}', '\u{10fffe}', '\u{10ffff}', '\ufdd0', '\ufdef',
  '\ud800', '\udbff', '\udc00', '\udfff',
  '\u0000', '\u0001', '\u0008', '\u000b', '\u000c', '\u001b', '\u001f', '\u007f', '\u0080', '\u0085', '\u009f',
] as const;

/** Strings that break XML, arguments, paths or parsers; each contains at least one POISON_CHAR. */
export const poisonStringArb: fc.Arbitrary<string> = fc
  .tuple(
    fc.oneof(fc.constant(''), fc.string({ maxLength: 6 }), fc.string({ unit: 'binary', maxLength: 4 }), fc.constantFrom('<', '&amp;', ']]>', "'", '"', '${x}', '/../', ',', '=')),
    fc.constantFrom(...POISON_CHARS),
    fc.oneof(fc.constant(''), fc.string({ maxLength: 6 }), fc.string({ unit: 'binary', maxLength: 4 })),
  )
  .map(([before, poison, after]) => `${before}${poison}${after}`);

/** Values of the wrong kind for almost any field. */
export const wrongValueArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, -0, '', '1', [], {}, [1], { a: 1 }),
  fc.constantFrom(new RawJson('1e400'), new RawJson('-1e400'), new RawJson('1e308'), new RawJson('9007199254740993'), new RawJson('-9223372036854775809'), new RawJson('1.0000000000000002'), new RawJson('0.1e-400')),
  fc.constantFrom(2 ** 31, 2 ** 32 + 1, 2 ** 53, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 1e21, 5e-324),
  fc.string({ minLength: 1000, maxLength: 1000 }).map((text) => text.repeat(5)),
  fc.jsonValue({ maxDepth: 3 }),
);

/** Nesting far past anything a VNF request has. */
export const deepNestingArb: fc.Arbitrary<RawJson> = fc
  .integer({ min: 40, max: 20_000 })
  .chain((depth) => fc.constantFrom(new RawJson(`${'['.repeat(depth)}${']'.repeat(depth)}`), new RawJson(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`)));

const labelKeyArb = fc.stringMatching(/^[a-z0-9]([a-z0-9._/-]{0,10}[a-z0-9])?$/);
const labelValueArb = fc.stringMatching(/^([A-Za-z0-9]([A-Za-z0-9._-]{0,10}[A-Za-z0-9])?)?$/);

/**
 * A valid request (validCaseArb plus the fields it leaves out). `devices` says whether it names
 * host devices (the test driver host has none, so those end in 422).
 */
export const validRequestArb: fc.Arbitrary<{ request: Record<string, unknown>; devices: boolean }> = fc
  .record({
    generated: validCaseArb,
    labels: fc.option(fc.dictionary(labelKeyArb, labelValueArb, { maxKeys: 4 }), { nil: undefined }),
    powerState: fc.option(fc.constantFrom('running', 'stopped'), { nil: undefined }),
    autostart: fc.option(fc.boolean(), { nil: undefined }),
    updateStrategy: fc.option(fc.constantFrom('Restart', 'OnRestart'), { nil: undefined }),
    machine: fc.boolean(),
    cpuMode: fc.option(fc.constantFrom('host-passthrough', 'host-model', 'maximum'), { nil: undefined }),
    withoutDevices: fc.boolean(),
    dropMacs: fc.boolean(),
  })
  .map(({ generated, labels, powerState, autostart, updateStrategy, machine, cpuMode, withoutDevices, dropMacs }) => {
    const request: Record<string, unknown> = JSON.parse(JSON.stringify(generated.request));
    if (labels !== undefined) request.labels = labels;
    if (powerState !== undefined) request.powerState = powerState;
    if (autostart !== undefined) request.autostart = autostart;
    if (updateStrategy !== undefined) request.updateStrategy = updateStrategy;
    if (machine) request.machine = request.arch === 'aarch64' ? 'virt' : 'q35';
    if (cpuMode !== undefined) request.cpu = { ...(request.cpu as object | undefined), mode: cpuMode };
    let interfaces = request.interfaces as Array<Record<string, unknown>>;
    if (withoutDevices) {
      request.hostDevices = [];
      interfaces = interfaces.filter((nic) => nic.type !== 'sriov-vf');
    }
    if (dropMacs) interfaces = interfaces.map(({ mac: _mac, ...nic }) => nic);
    request.interfaces = interfaces;
    const devices = (request.hostDevices as unknown[]).length > 0 || interfaces.some((nic) => nic.type === 'sriov-vf');
    return { request, devices };
  });

/** Every place in a JSON value: [] (the root), ['vcpus'], ['interfaces', 0, 'type'], ... */
export function pathsOf(value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  const here = [prefix];
  if (Array.isArray(value)) return here.concat(value.flatMap((item, index) => pathsOf(item, [...prefix, index])));
  if (value !== null && typeof value === 'object') return here.concat(Object.keys(value).flatMap((key) => pathsOf((value as Record<string, unknown>)[key], [...prefix, key])));
  return here;
}

/** The objects (not arrays) in a value, by path. */
export function objectPathsOf(value: unknown): Array<Array<string | number>> {
  return pathsOf(value).filter((path) => {
    const at = valueAt(value, path);
    return at !== null && typeof at === 'object' && !Array.isArray(at);
  });
}

export function valueAt(value: unknown, path: ReadonlyArray<string | number>): unknown {
  return path.reduce<unknown>((at, key) => (at as Record<string | number, unknown> | undefined)?.[key], value);
}

/** `['interfaces', 0, 'type']` -> `interfaces[0].type`, as the API names fields. */
export function fieldName(path: ReadonlyArray<string | number>): string {
  return path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : text === '' ? key : `${text}.${key}`), '');
}

/** Which schema objects are records (any key is data, so an unknown key is not an unknown field). */
export function isRecordPath(path: ReadonlyArray<string | number>): boolean {
  const last = path[path.length - 1];
  return last === 'labels' || last === 'objects';
}
