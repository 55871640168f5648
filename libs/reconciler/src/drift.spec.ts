import { beforeAll, describe, expect, it } from 'vitest';
import { designDomain, type HostFacts } from '../../designer/src/index.js';
import { buildDomainXml, parseDomainXml, type ParsedDomain } from '../../domain-xml/src/index.js';
import { makeVnfSpecSchema, normalizeSpec } from '../../vnf/src/index.js';
import { fieldDriftBetween } from './drift.js';

const ID = '0b7e1c2a-5a8e-4b11-9d9e-3f3a4b5c6d7e';
const HOST: HostFacts = { arch: 'x86_64', kvmArches: new Set() };
const KEEPS = { driverKeepsQemuCommandline: true };

async function parsedFor(memoryMiB: number, generation = 1): Promise<ParsedDomain> {
  const spec = normalizeSpec(makeVnfSpecSchema({ defaultArch: 'x86_64' }).parse({ name: 'fw-1', vcpus: 1, memoryMiB, interfaces: [{ type: 'user', mac: '52:54:00:00:00:01' }] }), new Set());
  return parseDomainXml(buildDomainXml(designDomain({ id: ID, instanceId: 'i-1', specHash: 'a'.repeat(64), generation }, spec, HOST, [])));
}

describe('fieldDriftBetween', () => {
  let desired: ParsedDomain;
  beforeAll(async () => {
    desired = await parsedFor(256);
  });

  it('ignores the metadata (the planner reads the mark itself) and finds the fields that differ', async () => {
    expect(fieldDriftBetween(desired, await parsedFor(256, 7), KEEPS)).toEqual([]);
    expect(fieldDriftBetween(desired, await parsedFor(512), KEEPS)).toEqual([expect.stringMatching(/^memoryKiB: want 262144, found 524288$/)]);
  });

  it('answers again from its last comparison only while both models are the same objects and the driver the same', async () => {
    const observed = await parsedFor(512);
    const first = fieldDriftBetween(desired, observed, KEEPS);
    expect(fieldDriftBetween(desired, observed, KEEPS)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    // A new parse (libvirt's text changed) is compared afresh, even if it is equal field by field.
    const inSync = await parsedFor(256);
    expect(fieldDriftBetween(desired, inSync, KEEPS)).toEqual([]);
    expect(fieldDriftBetween(desired, observed, KEEPS)).toEqual(first);
    expect(fieldDriftBetween(desired, observed, KEEPS)).not.toBe(first);
    // The driver's answer is part of the question.
    const withQemuArgs = { ...desired, qemuCommandline: [{ value: '-device' }] } as unknown as ParsedDomain;
    expect(fieldDriftBetween(withQemuArgs, inSync, { driverKeepsQemuCommandline: false })).toEqual([]);
    expect(fieldDriftBetween(withQemuArgs, inSync, KEEPS)).toEqual([expect.stringMatching(/^qemu:commandline: want/)]);
  });
});
