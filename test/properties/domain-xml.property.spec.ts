import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual, promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { designDomain, type HostFacts } from '../../libs/designer/src/index.js';
import { buildDomainXml, parseDomainXml } from '../../libs/domain-xml/src/index.js';
import { makeVnfSpecSchema, normalizeSpec, specHash } from '../../libs/vnf/src/index.js';
import { designed, ParseCache } from '../../libs/reconciler/src/index.js';
import { validCaseArb } from './arbitraries.js';

const run = promisify(execFile);
const HOST: HostFacts = { arch: 'x86_64', kvmArches: new Set(['x86_64', 'aarch64']), emulators: { aarch64: '/usr/bin/qemu-system-aarch64' } };
const schema = makeVnfSpecSchema({ defaultArch: 'x86_64' });

describe('property: any valid spec designs to XML that parses back to the same model and passes the RNG schema', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vnfm-prop-'));
  const files: string[] = [];
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("the reconciler's desired model is exactly what parsing its XML gives (so it is never parsed back), for 300 random specs", async () => {
    await fc.assert(
      fc.asyncProperty(validCaseArb, async ({ request, devices }) => {
        const spec = normalizeSpec(schema.parse(request), new Set());
        const vnf = { id: '3f1c1e52-7d0a-4b59-9d43-0c8f2d1b2a11', specHash: specHash(spec, devices), generation: 2 };
        const { xml, definition } = designed(vnf, spec, devices, HOST, 'a7c0e1d2-0000-4000-8000-00000000beef');
        // Strict (undefined members and prototypes count): the planner compares with isDeepStrictEqual.
        expect(isDeepStrictEqual(definition, await parseDomainXml(xml()))).toBe(true);
        // The XML built from the kept definition is the model's own.
        expect(xml()).toBe(buildDomainXml(designDomain({ id: vnf.id, instanceId: 'a7c0e1d2-0000-4000-8000-00000000beef', specHash: vnf.specHash, generation: vnf.generation }, spec, HOST, devices)));
        // The observer's cached parse (a copy holding no slice of the text) is the same model.
        expect(isDeepStrictEqual(await new ParseCache().parse(vnf.id, xml()), await parseDomainXml(xml()))).toBe(true);
      }),
      { numRuns: 300 },
    );
  }, 60_000);

  it('build -> parse -> equal, for 300 random specs', async () => {
    await fc.assert(
      fc.asyncProperty(validCaseArb, async ({ request, devices }) => {
        const parsed = schema.safeParse(request);
        if (!parsed.success) throw new Error(`generator made an invalid request: ${JSON.stringify(parsed.error.issues)}`);
        const spec = normalizeSpec(parsed.data, new Set());
        const id = '3f1c1e52-7d0a-4b59-9d43-0c8f2d1b2a11';
        const model = designDomain({ id, instanceId: 'a7c0e1d2-0000-4000-8000-00000000beef', specHash: specHash(spec, devices), generation: 1 }, spec, HOST, devices);
        const xml = buildDomainXml(model);
        const back = await parseDomainXml(xml);
        expect(back).toEqual({ ...model, otherQemuArgs: [] });
        if (files.length < 300) {
          const file = join(dir, `${files.length}.xml`);
          writeFileSync(file, xml);
          files.push(file);
        }
      }),
      { numRuns: 300 },
    );
    // 300 designs, builds and parses: a few seconds alone, more on a loaded 2-core CI machine.
  }, 30_000);

  it('every generated XML passes libvirt domain.rng (xmllint --relaxng)', async () => {
    expect(files.length).toBeGreaterThan(100);
    const { stderr } = await run('xmllint', ['--noout', '--relaxng', '/usr/share/libvirt/schemas/domain.rng', ...files], { maxBuffer: 16 * 1024 * 1024 }).catch(
      (error: { stderr?: string }) => ({ stderr: error.stderr ?? String(error) }),
    );
    const verdicts = stderr.split('\n').filter((line) => line.trim() !== '');
    expect(verdicts.filter((line) => !line.endsWith(' validates'))).toEqual([]);
    expect(verdicts).toHaveLength(files.length);
  });
});
