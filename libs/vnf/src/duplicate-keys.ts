import type { FieldProblem } from '../../core/src/index.js';
import { fieldPath } from './field-problems.js';
import { MAX_BODY_DEPTH } from './request-validation.js';

const MAX_DUPLICATE_KEY_PROBLEMS = 20;

interface ObjectFrame {
  kind: 'object';
  place: ReadonlyArray<PropertyKey>;
  keys: Set<string>;
  expectingKey: boolean;
  lastKey: string;
}

interface ArrayFrame {
  kind: 'array';
  place: ReadonlyArray<PropertyKey>;
  index: number;
}

type Frame = ObjectFrame | ArrayFrame;

/** Where the string literal starting at `start` (a `"`) ends: the index of its closing quote, or -1. */
function endOfString(text: string, start: number): number {
  for (let at = start + 1; at < text.length; at += 1) {
    const char = text.charCodeAt(at);
    if (char === 0x5c) at += 1; // a backslash: the next character is escaped
    else if (char === 0x22) return at;
  }
  return -1;
}

/**
 * Keys that appear twice in one JSON object of a request body's text (`{"name":"a","name":"b"}`),
 * named by their field path. JSON.parse keeps the last one silently, so what a proxy, an audit
 * record or a person reading the request saw could differ from what vnfm acts on; vnfm refuses
 * such a body instead. Keys are compared decoded (`"na\u006de"` is `name`). One linear pass;
 * text that is not JSON gets no answer here (the parser refuses it), nesting past MAX_BODY_DEPTH
 * is left to the depth check.
 */
export function duplicateKeyProblems(text: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const stack: Frame[] = [];
  const childPlace = (): PropertyKey[] => {
    const top = stack[stack.length - 1];
    if (top === undefined) return [];
    return [...top.place, top.kind === 'object' ? top.lastKey : top.index];
  };
  for (let at = 0; at < text.length && problems.length < MAX_DUPLICATE_KEY_PROBLEMS; at += 1) {
    const char = text[at];
    const top = stack[stack.length - 1];
    if (char === '{' || char === '[') {
      if (stack.length >= MAX_BODY_DEPTH) return problems;
      const place = childPlace();
      stack.push(char === '{' ? { kind: 'object', place, keys: new Set(), expectingKey: true, lastKey: '' } : { kind: 'array', place, index: 0 });
    } else if (char === '}' || char === ']') {
      stack.pop();
    } else if (char === ',') {
      if (top?.kind === 'object') top.expectingKey = true;
      else if (top?.kind === 'array') top.index += 1;
    } else if (char === ':') {
      if (top?.kind === 'object') top.expectingKey = false;
    } else if (char === '"') {
      const end = endOfString(text, at);
      if (end < 0) return problems;
      if (top?.kind === 'object' && top.expectingKey) {
        let key: string;
        try {
          key = JSON.parse(text.slice(at, end + 1)) as string;
        } catch {
          return problems; // not JSON: the parser says so
        }
        if (top.keys.has(key)) problems.push({ field: fieldPath([...top.place, key]), reason: 'duplicate key: a key may appear once in an object' });
        top.keys.add(key);
        top.lastKey = key;
      }
      at = end;
    }
  }
  return problems;
}
