import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { virtXmlValidate } from './xml-validate.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/xml/${name}`, import.meta.url), 'utf8');

describe('virt-xml-validate helper', () => {
  it('accepts a domain libvirt validates', async () => {
    expect((await virtXmlValidate(fixture('arm64-dpaa2.xml'))).valid).toBe(true);
  });

  it('rejects a hostdev type libvirt does not have (fsl-mc)', async () => {
    const verdict = await virtXmlValidate(fixture('invalid-hostdev-fsl-mc.xml'));
    expect(verdict.valid).toBe(false);
    expect(verdict.output).toMatch(/fails to validate|Relax-NG validity error/);
  });
});
