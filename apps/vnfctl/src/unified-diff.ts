/** Lines of `a` and `b` as an edit script (longest common subsequence). */
function editScript(a: readonly string[], b: readonly string[]): Array<{ op: ' ' | '-' | '+'; line: string }> {
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const script: Array<{ op: ' ' | '-' | '+'; line: string }> = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      script.push({ op: ' ', line: a[i]! });
      i++;
      j++;
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) script.push({ op: '-', line: a[i++]! });
    else script.push({ op: '+', line: b[j++]! });
  }
  while (i < n) script.push({ op: '-', line: a[i++]! });
  while (j < m) script.push({ op: '+', line: b[j++]! });
  return script;
}

/**
 * A unified diff (`diff -u`) of two texts, `context` lines around each change; empty when they
 * are the same.
 */
export function unifiedDiff(before: string, after: string, labels: { from: string; to: string }, context = 3): string {
  const a = before.split('\n');
  const b = after.split('\n');
  if (a.at(-1) === '') a.pop();
  if (b.at(-1) === '') b.pop();
  const script = editScript(a, b);
  if (script.every((entry) => entry.op === ' ')) return '';
  const out = [`--- ${labels.from}`, `+++ ${labels.to}`];
  // Positions (in a and b) before each script entry.
  const positions: Array<[number, number]> = [];
  let ai = 0;
  let bi = 0;
  for (const entry of script) {
    positions.push([ai, bi]);
    if (entry.op !== '+') ai++;
    if (entry.op !== '-') bi++;
  }
  let index = 0;
  while (index < script.length) {
    if (script[index]!.op === ' ') {
      index++;
      continue;
    }
    let start = Math.max(0, index - context);
    let end = index;
    // Extend the hunk while changes are closer than 2 * context apart.
    for (let scan = index; scan < script.length; scan++) {
      if (script[scan]!.op !== ' ') end = scan;
      else if (scan - end > 2 * context) break;
    }
    const stop = Math.min(script.length, end + context + 1);
    const [aStart, bStart] = positions[start]!;
    const hunk = script.slice(start, stop);
    const aCount = hunk.filter((entry) => entry.op !== '+').length;
    const bCount = hunk.filter((entry) => entry.op !== '-').length;
    out.push(`@@ -${aCount === 0 ? aStart : aStart + 1},${aCount} +${bCount === 0 ? bStart : bStart + 1},${bCount} @@`);
    for (const entry of hunk) out.push(`${entry.op}${entry.line}`);
    index = stop;
    start = stop;
  }
  return `${out.join('\n')}\n`;
}
