import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { virtXmlValidate } from '../support/xml-validate.js';
import { GOLDEN_CASES } from './golden-cases.js';
import { errorPath, readExpected, readRequest, unusedGoldenFiles, xmlPath } from './golden-files.js';
import { runGoldenCase, type GoldenOutcome } from './golden-pipeline.js';

const UPDATE = process.env.UPDATE_GOLDEN === '1';

function store(name: string, outcome: GoldenOutcome): void {
  rmSync(xmlPath(name), { force: true });
  rmSync(errorPath(name), { force: true });
  if ('xml' in outcome) writeFileSync(xmlPath(name), outcome.xml);
  else writeFileSync(errorPath(name), `${JSON.stringify(outcome.error, null, 2)}\n`);
}

describe('golden domain XML (request.json -> domain.xml | error.json)', () => {
  it('has at least 30 cases, valid and refused', () => {
    expect(GOLDEN_CASES.length).toBeGreaterThanOrEqual(30);
    expect(new Set(GOLDEN_CASES.map((c) => c.name)).size).toBe(GOLDEN_CASES.length);
  });

  it('has no golden file that no case uses', () => {
    expect(unusedGoldenFiles()).toEqual([]);
  });

  for (const { name, host, covers } of GOLDEN_CASES) {
    it(`${name} (${host}): ${covers}`, async () => {
      expect(existsSync(xmlPath(name)) && existsSync(errorPath(name))).toBe(false);
      const outcome = runGoldenCase(name, readRequest(name), host);
      if (UPDATE) store(name, outcome);
      const expected = readExpected(name);
      expect(expected, `no golden for ${name}: run with UPDATE_GOLDEN=1`).not.toBeNull();
      expect(outcome).toEqual(expected);
      expect(runGoldenCase(name, readRequest(name), host)).toEqual(outcome);
      if ('xml' in outcome) {
        const verdict = await virtXmlValidate(outcome.xml);
        expect(verdict.output).toContain('validates');
      } else {
        expect(outcome.error.errors.length).toBeGreaterThan(0);
      }
    });
  }
});
