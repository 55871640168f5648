import { describe, expect, it } from 'vitest';
import { duplicateKeyProblems } from './duplicate-keys.js';
import { MAX_BODY_DEPTH } from './request-validation.js';

describe('duplicateKeyProblems', () => {
  it('names a key repeated in the top object, in a nested object and in an object inside an array', () => {
    expect(duplicateKeyProblems('{"name":"a","name":"b"}')).toEqual([{ field: 'name', reason: expect.stringContaining('duplicate key') }]);
    expect(duplicateKeyProblems('{"labels":{"x":"1","y":"2","x":"3"}}').map((problem) => problem.field)).toEqual(['labels.x']);
    expect(duplicateKeyProblems('{"interfaces":[{"mac":"a"},{"mac":"b","mac":"c"}]}').map((problem) => problem.field)).toEqual(['interfaces[1].mac']);
  });

  it('compares keys decoded: an escaped spelling is the same key', () => {
    expect(duplicateKeyProblems('{"name":"a","na\\u006de":"b"}').map((problem) => problem.field)).toEqual(['name']);
  });

  it('accepts the same key in sibling objects, keys that only look alike, and strings with quotes, braces and commas', () => {
    expect(duplicateKeyProblems('{"a":{"k":1},"b":{"k":2},"c":[{"k":1},{"k":2}]}')).toEqual([]);
    expect(duplicateKeyProblems('{"Name":1,"name":2,"name ":3}')).toEqual([]);
    expect(duplicateKeyProblems('{"d":"he said \\"name\\": {,} [\\\\","name":"x"}')).toEqual([]);
    expect(duplicateKeyProblems('{"v":["name","name"],"w":"name"}')).toEqual([]);
  });

  it('says nothing about text that is not JSON, or nests beyond the depth limit (other checks refuse those)', () => {
    expect(duplicateKeyProblems('{"name":"a","name')).toEqual([]);
    expect(duplicateKeyProblems('{"a\\x":1,"a\\x":2}')).toEqual([]);
    const deep = `${'{"a":'.repeat(MAX_BODY_DEPTH + 5)}{"k":1,"k":2}${'}'.repeat(MAX_BODY_DEPTH + 5)}`;
    expect(duplicateKeyProblems(deep)).toEqual([]);
  });

  it('stops at 20 problems however many duplicates there are', () => {
    const body = `{${Array.from({ length: 500 }, () => '"k":1').join(',')}}`;
    expect(duplicateKeyProblems(body)).toHaveLength(20);
  });
});
