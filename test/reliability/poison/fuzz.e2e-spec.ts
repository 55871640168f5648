import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isXmlText } from '../../../libs/vnf/src/patterns.js';
import {
  RESERVED_KEYS,
  RawJson,
  deepNestingArb,
  fieldName,
  isRecordPath,
  objectPathsOf,
  pathsOf,
  poisonStringArb,
  setOwn,
  toJson,
  validRequestArb,
  valueAt,
  wrongValueArb,
} from '../../properties/request-arbitraries.js';
import { startTestApp, type TestApp } from '../../support/test-app.js';
import { TEST_DRIVER_URI, virsh } from '../../support/virsh.js';

/**
 * Fuzzing the running API (real SQLite file, libvirt test driver) with requests generated from the
 * request contract: valid, near-valid (one thing wrong) and hostile. Whatever is sent: never a 5xx;
 * every 4xx is problem+json with a type (and for 400, errors naming field and reason); a refused
 * request (and a dry run) changes no row, no claim, no domain. Accepted VNFs are deleted at once.
 *
 * FUZZ_RUNS (default 10000) and FUZZ_SEED (default random, printed) reproduce a run.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
/** How often (in requests) libvirt is listed to check no domain appeared. */
const DOMAIN_CHECK_EVERY = 250;

type Route = 'dry' | 'post' | 'put';
type Body = { kind: 'json'; value: unknown } | { kind: 'raw'; text: string | Uint8Array; contentType: string } | { kind: 'none' };

interface Expect400 {
  why: string;
  /** The API must name a field related to one of these (one is a prefix of the other). */
  fields?: string[];
  /** ... with exactly this reason, when given. */
  reason?: string | RegExp;
}

interface FuzzCase {
  kind: 'valid' | 'near-valid' | 'hostile';
  label: string;
  route: Route;
  /** Extra query parameters, raw (`dryrun=true`). */
  query: string[];
  body: Body;
  /** PUT: the name in the URL (unencoded). */
  urlName: string;
  /** Valid by construction and asking for no host devices. */
  valid: boolean;
  expect400?: Expect400;
}

const weighted = <T>(...entries: Array<[T, number]>): fc.Arbitrary<T> => fc.oneof(...entries.map(([value, weight]) => ({ arbitrary: fc.constant(value), weight })));

/** Query parameters no route knows (or knows, but given twice). */
const badQueryArb = fc.oneof(
  fc.constantFrom('dryrun=true', 'DryRun=true', 'DRYRUN=true', 'dry_run=true', 'dryRun[]=true', 'dryRun[a]=1', 'dryRun.x=1', '__proto__=1', 'constructor=x', 'prototype[x]=1', 'label=a', 'live=true', 'type=pci', '=x', 'x', '%00=1', '%EF%BF%BE=1', 'dryRun%00=true', ' dryRun=true', 'dryRun =true'),
  fc.tuple(fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,8}$/), fc.string({ maxLength: 5 })).filter(([name]) => name !== 'dryRun').map(([name, value]) => `${name}=${encodeLoose(value)}`),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 6 }).filter((name) => name !== 'dryRun').map((name) => `${encodeLoose(name)}=1`),
);

/** What the API must name for a query string, computed the way a client reads it. */
function queryProblems(route: Route, query: string[]): string[] {
  const known = route === 'put' ? [] : ['dryRun'];
  const all = [...(route === 'dry' ? ['dryRun=true'] : []), ...query].join('&');
  const counts = new Map<string, number>();
  for (const [name] of new URLSearchParams(all)) counts.set(name, (counts.get(name) ?? 0) + 1);
  return [...counts].filter(([name, count]) => !known.includes(name) || count > 1).map(([name]) => (name === '' ? '(query)' : name.slice(0, 100)));
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function withValueAt(request: Record<string, unknown>, path: Array<string | number>, value: unknown): Record<string, unknown> {
  const copy = clone(request);
  const parent = valueAt(copy, path.slice(0, -1)) as Record<string | number, unknown>;
  parent[path[path.length - 1]!] = value;
  return copy;
}

function everyLeaf(value: unknown, replace: (leaf: unknown) => unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => everyLeaf(item, replace));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, everyLeaf(item, replace)]));
  return replace(value);
}

/** encodeURIComponent, except that a lone surrogate is sent as its (invalid) WTF-8 bytes instead of throwing. */
function encodeLoose(text: string): string {
  let out = '';
  for (const character of text) {
    const code = character.codePointAt(0)!;
    if (code >= 0xd800 && code <= 0xdfff) out += [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)].map((byte) => `%${byte.toString(16).toUpperCase()}`).join('');
    else out += encodeURIComponent(character);
  }
  return out;
}

const related = (a: string, b: string) => a.startsWith(b) || b.startsWith(a);
/** Whether a generated value has a key the API refuses anywhere (`__proto__`, `constructor`, `prototype`). */
const holdsReservedKey = (value: unknown): boolean =>
  value !== null && typeof value === 'object' && Object.entries(value).some(([key, inner]) => (RESERVED_KEYS as readonly string[]).includes(key) || holdsReservedKey(inner));

function fuzzCaseArb(prefix: string): fc.Arbitrary<FuzzCase> {
  const named = validRequestArb.map(({ request, devices }) => ({ request: { ...request, name: `${prefix}${String(request.name)}` }, devices }));
  const anyRoute = weighted<Route>(['dry', 60], ['post', 25], ['put', 15]);
  const base = (request: Record<string, unknown>, route: Route) => ({ route, urlName: String(request.name), valid: false, query: [] as string[] });

  // Valid: mostly dry runs; about one in ten creates for real (2.5% of all cases).
  const valid = fc
    .record({ v: named, route: weighted<Route>(['dry', 90], ['post', 5], ['put', 5]), omitNameOnPut: fc.boolean() })
    .map(({ v, route, omitNameOnPut }): FuzzCase => {
      const { name: _name, ...rest } = v.request;
      const value = route === 'put' && omitNameOnPut ? rest : v.request;
      return { ...base(v.request, route), kind: 'valid', label: v.devices ? 'valid, with host devices' : 'valid', body: { kind: 'json', value }, valid: !v.devices };
    });

  const nearValid = fc.record({ v: named, route: anyRoute, pick: fc.nat(), mutation: fc.nat(5), poison: poisonStringArb, wrong: wrongValueArb, unknownKey: fc.stringMatching(/^[a-zA-Z]{1,8}$/), reserved: fc.constantFrom(...RESERVED_KEYS), reservedValue: fc.oneof(fc.constant('x'), fc.constant({}), fc.constant({ vcpus: 64 }), fc.constant(1)), badQuery: fc.array(badQueryArb, { minLength: 1, maxLength: 3 }) }).map(
    ({ v, route, pick, mutation, poison, wrong, unknownKey, reserved, reservedValue, badQuery }): FuzzCase => {
      const request = v.request;
      const leaves = pathsOf(request).filter((path) => path.length > 0);
      const objects = objectPathsOf(request);
      const common = base(request, route);
      switch (mutation) {
        case 0: {
          const path = leaves[pick % leaves.length]!;
          return { ...common, kind: 'near-valid', label: `poison string at ${fieldName(path)}`, body: { kind: 'json', value: withValueAt(request, path, poison) }, expect400: { why: 'poison string', fields: [fieldName(path)] } };
        }
        case 1: {
          const path = leaves[pick % leaves.length]!;
          return { ...common, kind: 'near-valid', label: `wrong value at ${fieldName(path)}`, body: { kind: 'json', value: withValueAt(request, path, wrong) } };
        }
        case 2: {
          const path = leaves[pick % leaves.length]!;
          const copy = clone(request);
          const parent = valueAt(copy, path.slice(0, -1));
          const key = path[path.length - 1]!;
          if (Array.isArray(parent)) parent.splice(Number(key), 1);
          else delete (parent as Record<string, unknown>)[key];
          return { ...common, kind: 'near-valid', label: `without ${fieldName(path)}`, body: { kind: 'json', value: copy } };
        }
        case 3: {
          const strict = objects.filter((path) => !isRecordPath(path));
          const path = strict[pick % strict.length]!;
          const copy = clone(request);
          const key = `x_${unknownKey}`;
          (valueAt(copy, path) as Record<string, unknown>)[key] = wrong instanceof RawJson ? 1 : wrong;
          const field = fieldName([...path, key]);
          // A wrong value holding a reserved key (`{"prototype": ...}`) may be refused for that key
          // first, under the same field: either refusal names it.
          const reason = holdsReservedKey(wrong) ? /^(unknown field|reserved key)$/ : 'unknown field';
          return { ...common, kind: 'near-valid', label: `unknown field ${fieldName([...path, 'x_*'])}`, body: { kind: 'json', value: copy }, expect400: { why: 'unknown field', fields: [field], reason } };
        }
        case 4: {
          const path = objects[pick % objects.length]!;
          const copy = clone(request);
          setOwn(valueAt(copy, path) as Record<string, unknown>, reserved, reservedValue);
          const field = fieldName([...path, reserved]);
          return { ...common, kind: 'near-valid', label: `reserved key ${fieldName([...path, reserved])}`.replace(/\d+/g, 'N'), body: { kind: 'json', value: copy }, expect400: { why: 'reserved key', fields: [field], reason: 'reserved key' } };
        }
        default: {
          const fields = queryProblems(route, badQuery);
          return {
            ...common,
            kind: 'near-valid',
            label: `bad query on ${route}`,
            query: badQuery,
            body: { kind: 'json', value: request },
            ...(fields.length > 0 ? { expect400: { why: 'bad query', fields, reason: /^(unknown query parameter|a query parameter without a name|must be given at most once)/ } } : {}),
          };
        }
      }
    },
  );

  const rawBodyArb: fc.Arbitrary<{ label: string; body: Body }> = fc.oneof(
    fc.constantFrom('{', '{"name":', '[', 'nul', '{"a":1}}', "{'a':1}", '{"name":"x",}', '\u0000', '{"a":1e}', '{"a":"\\ud800"', '{"a":"\\x41"}').map((text) => ({ label: 'malformed JSON', body: { kind: 'raw', text, contentType: 'application/json' } as Body })),
    fc.constantFrom('null', '[]', '"x"', '1', 'true', '[{"name":"x","vcpus":1,"memoryMiB":128}]', '""').map((text) => ({ label: 'JSON that is not an object', body: { kind: 'raw', text, contentType: 'application/json' } as Body })),
    deepNestingArb.map((raw) => ({ label: 'deeply nested body', body: { kind: 'raw', text: raw.text, contentType: 'application/json' } as Body })),
    fc.constant({ label: 'a 300 KB body', body: { kind: 'raw', text: JSON.stringify({ name: 'big', vcpus: 1, memoryMiB: 128, description: 'x'.repeat(300_000) }), contentType: 'application/json' } as Body }),
    fc.constant({ label: 'invalid UTF-8 in a string', body: { kind: 'raw', text: Uint8Array.from([...Buffer.from('{"name":"x'), 0xff, 0xfe, 0xc0, ...Buffer.from('","vcpus":1,"memoryMiB":128}')]), contentType: 'application/json' } as Body }),
    fc.constant({ label: 'JSON as text/plain', body: { kind: 'raw', text: '{"vcpus":1}', contentType: 'text/plain' } as Body }),
    fc.constant({ label: 'JSON in latin1', body: { kind: 'raw', text: '{"vcpus":1}', contentType: 'application/json; charset=latin1' } as Body }),
    fc.constant({ label: 'a form', body: { kind: 'raw', text: 'name=x&vcpus=1&memoryMiB=128', contentType: 'application/x-www-form-urlencoded' } as Body }),
    fc.constant({ label: 'no body', body: { kind: 'none' } as Body }),
  );

  const hostile = fc.oneof(
    fc.record({ v: named, route: anyRoute, poison: fc.array(poisonStringArb, { minLength: 8, maxLength: 8 }) }).map(({ v, route, poison }): FuzzCase => {
      let index = 0;
      const value = everyLeaf(v.request, (leaf) => (typeof leaf === 'string' ? poison[index++ % poison.length] : leaf));
      return { ...base(v.request, route), kind: 'hostile', label: 'poison in every string', body: { kind: 'json', value }, expect400: { why: 'poison in every string' } };
    }),
    fc.record({ v: named, route: anyRoute, huge: fc.constantFrom(new RawJson('1e400'), new RawJson('-1e400'), 2 ** 53 + 2, -(2 ** 53), 1e300, new RawJson('123456789012345678901234567890')) }).map(({ v, route, huge }): FuzzCase => ({
      ...base(v.request, route),
      kind: 'hostile',
      label: 'huge numbers everywhere',
      body: { kind: 'json', value: everyLeaf(v.request, (leaf) => (typeof leaf === 'number' ? huge : leaf)) },
      expect400: { why: 'huge numbers' },
    })),
    fc.record({ body: fc.jsonValue({ maxDepth: 4 }), route: anyRoute }).map(({ body, route }): FuzzCase => ({
      route,
      urlName: `${prefix}json`,
      valid: false,
      query: [],
      kind: 'hostile',
      label: 'random JSON',
      body: { kind: 'json', value: body },
      expect400: { why: 'random JSON' },
    })),
    fc
      .record({
        route: anyRoute,
        body: fc.record(
          {
            name: fc.oneof(fc.constant(`${prefix}shape`), poisonStringArb, wrongValueArb),
            vcpus: fc.oneof(fc.integer({ min: -5, max: 300 }), wrongValueArb),
            memoryMiB: fc.oneof(fc.integer({ min: -1, max: 2_000_000 }), wrongValueArb),
            arch: fc.oneof(fc.constantFrom('aarch64', 'x86_64', 'riscv64', 'AARCH64'), wrongValueArb),
            description: fc.oneof(fc.string({ unit: 'binary', maxLength: 30 }), poisonStringArb),
            labels: fc.oneof(fc.dictionary(fc.string({ unit: 'binary', maxLength: 8 }), fc.oneof(fc.string({ unit: 'binary', maxLength: 8 }), wrongValueArb), { maxKeys: 3 }), wrongValueArb, deepNestingArb),
            interfaces: fc.oneof(
              fc.array(fc.record({ type: fc.constantFrom('user', 'network', 'bridge', 'direct', 'vhostuser', 'sriov-vf', 'carrier-pigeon'), network: fc.string({ unit: 'binary', maxLength: 6 }), mac: fc.oneof(fc.string({ maxLength: 17 }), poisonStringArb), queues: wrongValueArb }, { requiredKeys: ['type'] }), { maxLength: 3 }),
              deepNestingArb,
              wrongValueArb,
            ),
            boot: fc.oneof(fc.record({ kernel: fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), poisonStringArb), cmdline: fc.oneof(fc.string({ unit: 'binary', maxLength: 20 }), poisonStringArb) }, { requiredKeys: [] }), wrongValueArb),
          },
          { requiredKeys: ['vcpus', 'memoryMiB'] },
        ),
      })
      .map(({ route, body }): FuzzCase => ({ route, urlName: `${prefix}shape`, valid: false, query: [], kind: 'hostile', label: 'schema-shaped random values', body: { kind: 'json', value: body } })),
    fc.record({ v: named, route: anyRoute, reserved: fc.constantFrom(...RESERVED_KEYS) }).map(({ v, route, reserved }): FuzzCase => {
      const value: Record<string, unknown> = {};
      setOwn(value, reserved, { ...v.request, vcpus: 64 });
      for (const [key, item] of Object.entries(v.request)) value[key] = item;
      return { ...base(v.request, route), kind: 'hostile', label: `top-level ${reserved}`, body: { kind: 'json', value }, expect400: { why: 'reserved key', fields: [reserved], reason: 'reserved key' } };
    }),
    fc.record({ v: named, route: anyRoute, field: fc.constantFrom('labels', 'interfaces', 'disks', 'cpu', 'hostDevices', 'boot'), nesting: deepNestingArb }).map(({ v, route, field, nesting }): FuzzCase => ({
      ...base(v.request, route),
      kind: 'hostile',
      label: `deep nesting in ${field}`,
      body: { kind: 'json', value: { ...v.request, [field]: nesting } },
      expect400: { why: 'deep nesting', fields: [field] },
    })),
    fc.record({ raw: rawBodyArb, route: anyRoute }).map(({ raw, route }): FuzzCase => ({ route, urlName: `${prefix}raw`, valid: false, query: [], kind: 'hostile', label: raw.label, body: raw.body })),
    fc
      .record({ v: named, route: anyRoute, query: fc.array(badQueryArb, { minLength: 1, maxLength: 6 }), urlName: fc.oneof(fc.constant(null), fc.constantFrom('BAD', 'a'.repeat(100), '\u0000', '..', 'x/y', '\ufffe', '-x', 'x y', '%'), poisonStringArb) })
      .map(({ v, route, query, urlName }): FuzzCase => {
        const fields = queryProblems(route, query);
        return {
          ...base(v.request, route),
          ...(urlName === null ? {} : { urlName }),
          kind: 'hostile',
          label: urlName === null ? `hostile query on ${route}` : `hostile query and URL name on ${route}`,
          query,
          body: { kind: 'json', value: v.request },
          // A hostile URL name may not even reach the route ('..' is resolved away): 400 or 404 then.
          ...(fields.length > 0 && urlName === null ? { expect400: { why: 'bad query', fields } } : {}),
        };
      }),
  );

  return fc.oneof({ arbitrary: valid, weight: 25 }, { arbitrary: nearValid, weight: 40 }, { arbitrary: hostile, weight: 35 });
}

interface Sent {
  status: number;
  contentType: string;
  text: string;
  json: any;
}

interface Failure {
  signature: string;
  example: string;
}

describe('fuzz: generated requests against the running API', () => {
  let t: TestApp;
  let base: string;
  let db: Database.Database;
  const prefix = `fz${randomBytes(3).toString('hex')}-`;
  /** VNFs this run created and has not deleted yet. */
  const live = new Set<string>();

  beforeAll(async () => {
    t = await startTestApp(TEST_DRIVER_URI);
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    db = new Database(t.dbPath, { readonly: true, fileMustExist: true });
  });

  afterAll(async () => {
    for (const name of live) await fetch(`${base}/api/v1/vnfs/${name}`, { method: 'DELETE' }).catch(() => undefined);
    db?.close();
    await t?.close();
  });

  /** What a refused request must not change: every VNF's spec, and the claim and MAC tables. */
  function digest(): string {
    const tables = new Set((db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as Array<{ name: string }>).map((row) => row.name));
    const rows = db.prepare(`SELECT name, spec_hash AS hash, generation FROM vnf ORDER BY name`).all() as Array<{ name: string; hash: string; generation: number }>;
    const counts = ['device_claim', 'vnf_mac'].filter((table) => tables.has(table)).map((table) => `${table}=${(db.prepare(`SELECT count(*) AS n FROM "${table}"`).get() as { n: number }).n}`);
    return `${rows.map((row) => `${row.name}:${row.hash}:${row.generation}`).join(',')}|${counts.join(',')}`;
  }

  function rowExists(name: string): boolean {
    return db.prepare(`SELECT 1 FROM vnf WHERE name = ?`).get(name) !== undefined;
  }

  async function ourDomains(): Promise<string[]> {
    const names = (await virsh(TEST_DRIVER_URI, 'list', '--all', '--name')).split('\n').map((line) => line.trim());
    return names.filter((name) => name.startsWith(prefix)).sort();
  }

  async function send(method: string, path: string, body: Body): Promise<Sent> {
    const init: RequestInit = { method, signal: AbortSignal.timeout(60_000) };
    if (body.kind === 'json') init.body = toJson(body.value);
    if (body.kind === 'raw') init.body = body.text;
    if (body.kind !== 'none') init.headers = { 'content-type': body.kind === 'raw' ? body.contentType : 'application/json' };
    const response = await fetch(`${base}${path}`, init);
    const text = await response.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, contentType: response.headers.get('content-type') ?? '', text, json };
  }

  /** The problem+json contract of every 4xx (and that nothing is a 5xx); '' when it holds. */
  function contractProblem(sent: Sent): string {
    if (sent.status >= 500) return `${sent.status} ${sent.json?.type ?? ''}: ${String(sent.json?.detail ?? sent.text).slice(0, 200)}`;
    if (sent.status < 400) return '';
    if (!/^application\/problem\+json/.test(sent.contentType)) return `${sent.status} as ${sent.contentType}`;
    if (typeof sent.json?.type !== 'string' || sent.json.type === '') return `${sent.status} without a problem type`;
    if (sent.json.status !== sent.status) return `${sent.status} whose problem says status ${sent.json.status}`;
    if (sent.status === 400) {
      const errors = sent.json.errors;
      if (!Array.isArray(errors) || errors.length === 0) return '400 without errors';
      if (!errors.every((error: any) => typeof error?.field === 'string' && error.field !== '' && typeof error?.reason === 'string' && error.reason !== '')) return '400 with an error lacking field or reason';
    }
    return '';
  }

  function pathFor(fuzz: FuzzCase): { method: string; path: string } {
    const query = [...(fuzz.route === 'dry' ? ['dryRun=true'] : []), ...fuzz.query].join('&');
    const suffix = query === '' ? '' : `?${query}`;
    if (fuzz.route === 'put') return { method: 'PUT', path: `/api/v1/vnfs/${encodeLoose(fuzz.urlName)}${suffix}` };
    return { method: 'POST', path: `/api/v1/vnfs${suffix}` };
  }

  function describeCase(fuzz: FuzzCase, sent: Sent): string {
    const { method, path } = pathFor(fuzz);
    const body = fuzz.body.kind === 'json' ? toJson(fuzz.body.value) : fuzz.body.kind === 'raw' ? String(fuzz.body.text) : '(none)';
    return `${fuzz.kind} "${fuzz.label}": ${method} ${JSON.stringify(path).slice(0, 200)} ${JSON.stringify(body.slice(0, 400))} -> ${sent.status} ${sent.text.slice(0, 400)}`;
  }

  it(`${RUNS} requests (seed ${SEED}): no 5xx, problem+json 4xx, refusals change nothing`, async () => {
    const cases = fc.sample(fuzzCaseArb(prefix), { numRuns: RUNS, seed: SEED });
    const failures: Failure[] = [];
    const statuses = new Map<string, number>();
    const fail = (signature: string, example: string) => failures.push({ signature, example });
    let requests = 0;
    let realCreates = 0;
    let before = digest();

    const check = async (fuzz: FuzzCase, sent: Sent): Promise<void> => {
      requests += 1;
      statuses.set(`${fuzz.kind} ${sent.status}`, (statuses.get(`${fuzz.kind} ${sent.status}`) ?? 0) + 1);
      const contract = contractProblem(sent);
      if (contract !== '') fail(`${contract.slice(0, 120)} [${fuzz.label}]`, describeCase(fuzz, sent));

      if (fuzz.expect400) {
        if (sent.status !== 400) fail(`${fuzz.expect400.why}: ${sent.status}, not 400 [${fuzz.label}]`, describeCase(fuzz, sent));
        else if (fuzz.expect400.fields) {
          const named: Array<{ field: string; reason: string }> = sent.json?.errors ?? [];
          const wanted = fuzz.expect400.fields;
          const hit = named.some((error) => wanted.some((field) => related(error.field, field)) && (fuzz.expect400!.reason === undefined || (typeof fuzz.expect400!.reason === 'string' ? error.reason === fuzz.expect400!.reason : fuzz.expect400!.reason.test(error.reason))));
          // A bad query is refused before the body is read, so any body problem is beside the point;
          // otherwise the named field must be among those refused.
          if (!hit) fail(`${fuzz.expect400.why}: 400 without naming ${wanted.join(', ').replace(/\d+/g, 'N').slice(0, 60)} [${fuzz.label}]`, describeCase(fuzz, sent));
        }
      }
      if (fuzz.valid && fuzz.query.length === 0 && sent.status === 400) fail(`valid request refused as invalid [${fuzz.route}]`, describeCase(fuzz, sent));

      const created = (fuzz.route === 'post' || fuzz.route === 'put') && (sent.status === 201 || (fuzz.route === 'put' && sent.status === 200));
      if (created) {
        realCreates += 1;
        const name = String(sent.json?.name ?? fuzz.urlName);
        live.add(name);
        if (!rowExists(name)) fail(`${sent.status} without a row`, describeCase(fuzz, sent));
      } else {
        const after = digest();
        if (after !== before) fail(`${sent.status} changed the database [${fuzz.label}]`, `${describeCase(fuzz, sent)}\n  before ${before}\n  after  ${after}`);
      }
      if (fuzz.route === 'dry' && sent.status === 200) {
        const xml = sent.json?.domainXml;
        if (typeof xml !== 'string' || !isXmlText(xml, { multiline: true })) fail('dry run answered no XML 1.0 text', describeCase(fuzz, sent));
      }
      before = digest();
    };

    for (const [index, fuzz] of cases.entries()) {
      const { method, path } = pathFor(fuzz);
      let sent: Sent;
      try {
        sent = await send(method, path, fuzz.body);
      } catch (error) {
        fail(`request failed: ${(error as Error).message}`, `${fuzz.kind} "${fuzz.label}" ${method} ${path}`);
        continue;
      }
      await check(fuzz, sent);

      // An accepted VNF: hostile replacements must leave it as it is; then it goes.
      for (const name of [...live]) {
        const spec = (await send('GET', `/api/v1/vnfs/${name}`, { kind: 'none' })).json?.spec;
        if (spec) {
          for (const poison of fc.sample(poisonStringArb, { numRuns: 2, seed: SEED + index })) {
            const leaves = pathsOf(spec).filter((path) => path.length > 0 && typeof valueAt(spec, path) === 'string' && path[0] !== 'name');
            const path = leaves[index % Math.max(leaves.length, 1)];
            if (path === undefined) continue;
            const replace: FuzzCase = { kind: 'near-valid', label: `replace with poison at ${fieldName(path)}`, route: 'put', query: [], urlName: name, valid: false, body: { kind: 'json', value: withValueAt(spec, path, poison) }, expect400: { why: 'poison string', fields: [fieldName(path)] } };
            await check(replace, await send('PUT', `/api/v1/vnfs/${name}`, replace.body));
          }
          const unknownQuery: FuzzCase = { kind: 'near-valid', label: 'replace with an unknown query parameter', route: 'put', query: ['force=true'], urlName: name, valid: false, body: { kind: 'json', value: spec }, expect400: { why: 'bad query', fields: ['force'] } };
          await check(unknownQuery, await send('PUT', `/api/v1/vnfs/${name}?force=true`, unknownQuery.body));
        }
        const deleted = await send('DELETE', `/api/v1/vnfs/${name}`, { kind: 'none' });
        requests += 1;
        if (deleted.status !== 202) fail(`DELETE answered ${deleted.status}`, `${name}: ${deleted.text.slice(0, 300)}`);
        if (rowExists(name)) fail('a deleted VNF kept its row', name);
        else live.delete(name);
        before = digest();
      }

      if ((index + 1) % DOMAIN_CHECK_EVERY === 0 || index === cases.length - 1) {
        const domains = await ourDomains();
        const expected = [...live].sort();
        if (JSON.stringify(domains) !== JSON.stringify(expected)) fail('libvirt has domains no accepted request made', `after case ${index}: libvirt ${domains.join(', ')} / live ${expected.join(', ')}`);
      }
    }

    const bySignature = new Map<string, Failure[]>();
    for (const failure of failures) bySignature.set(failure.signature, [...(bySignature.get(failure.signature) ?? []), failure]);
    const summary = [...bySignature]
      .sort((a, b) => b[1].length - a[1].length)
      .map(([signature, list]) => `${list.length} x ${signature}\n    e.g. ${list[0]!.example}`)
      .join('\n');
    console.log(
      `fuzz seed ${SEED}: ${requests} requests, ${realCreates} real creates; statuses: ${[...statuses]
        .sort()
        .map(([key, count]) => `${key}: ${count}`)
        .join(', ')}${failures.length > 0 ? `\n${failures.length} failures:\n${summary}` : ''}`,
    );
    expect(requests).toBeGreaterThanOrEqual(10_000 * Math.min(1, RUNS / 10_000));
    expect(failures, `${failures.length} failures (seed ${SEED}):\n${summary}`).toEqual([]);
    expect(await ourDomains()).toEqual([]);
    expect(t.countRows('vnf')).toBe(0);
  }, 600_000);
});
