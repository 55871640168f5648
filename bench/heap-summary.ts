/**
 * Memory aid (not a figure): what a V8 heap snapshot holds, by constructor (self sizes), and
 * retained sizes (dominator tree) of the largest holders.
 * Usage: node dist/bench/heap-summary.js FILE.heapsnapshot [top]
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] }; node_count: number };
  nodes: number[];
  edges: number[];
  strings: string[];
}
const file = process.argv[2]!;
const top = Number(process.argv[3] ?? 40);
const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
const { meta } = snap.snapshot;
const NF = meta.node_fields.length;
const EF = meta.edge_fields.length;
const nType = meta.node_fields.indexOf('type');
const nName = meta.node_fields.indexOf('name');
const nSize = meta.node_fields.indexOf('self_size');
const nEdges = meta.node_fields.indexOf('edge_count');
const eType = meta.edge_fields.indexOf('type');
const eName = meta.edge_fields.indexOf('name_or_index');
const eTo = meta.edge_fields.indexOf('to_node');
const nodeTypes = meta.node_types[0];
const edgeTypes = meta.edge_types[0];
const count = snap.nodes.length / NF;
const typeOf = (node: number) => nodeTypes[snap.nodes[node * NF + nType]!]!;
const nameOf = (node: number) => snap.strings[snap.nodes[node * NF + nName]!]!;
const sizeOf = (node: number) => snap.nodes[node * NF + nSize]!;
const firstEdge = new Uint32Array(count + 1);
for (let node = 0, edge = 0; node < count; node += 1) {
  firstEdge[node] = edge;
  edge += snap.nodes[node * NF + nEdges]!;
}
firstEdge[count] = snap.edges.length / EF;
const weak = edgeTypes.indexOf('weak');
const shortcut = edgeTypes.indexOf('shortcut');
const childrenOf = function* (node: number): Generator<[number, number]> {
  for (let edge = firstEdge[node]!; edge < firstEdge[node + 1]!; edge += 1) {
    const type = snap.edges[edge * EF + eType]!;
    if (type === weak || type === shortcut) continue;
    yield [snap.edges[edge * EF + eTo]! / NF, edge];
  }
};
const label = (node: number) => {
  const type = typeOf(node);
  const name = nameOf(node);
  return type === 'object' || type === 'closure' || type === 'native' ? `${type}:${name.slice(0, 60)}` : type;
};

// Self sizes by label.
const byLabel = new Map<string, { count: number; bytes: number }>();
let totalBytes = 0;
for (let node = 0; node < count; node += 1) {
  const key = label(node);
  const entry = byLabel.get(key) ?? { count: 0, bytes: 0 };
  entry.count += 1;
  entry.bytes += sizeOf(node);
  totalBytes += sizeOf(node);
  byLabel.set(key, entry);
}
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
console.log(`${count} nodes, ${mib(totalBytes)} in all (self sizes)\n\nby constructor (self sizes):`);
for (const [key, entry] of [...byLabel].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, top)) console.log(`  ${mib(entry.bytes).padStart(10)}  ${String(entry.count).padStart(8)}  ${key}`);

// Dominators (Cooper, Harvey, Kennedy) over a DFS post-order from the root (node 0).
const order = new Int32Array(count).fill(-1);
const post: number[] = [];
const stack: Array<[number, Generator<[number, number]>]> = [[0, childrenOf(0)]];
order[0] = -2;
while (stack.length > 0) {
  const top = stack[stack.length - 1]!;
  const next = top[1].next();
  if (next.done) {
    order[top[0]] = post.length;
    post.push(top[0]);
    stack.pop();
  } else if (order[next.value[0]] === -1) {
    order[next.value[0]] = -2;
    stack.push([next.value[0], childrenOf(next.value[0])]);
  }
}
const preds: number[][] = Array.from({ length: count }, () => []);
for (const node of post) for (const [child] of childrenOf(node)) if (order[child]! >= 0) preds[child]!.push(node);
const idom = new Int32Array(count).fill(-1);
idom[0] = 0;
const intersect = (a: number, b: number) => {
  while (a !== b) {
    while (order[a]! < order[b]!) a = idom[a]!;
    while (order[b]! < order[a]!) b = idom[b]!;
  }
  return a;
};
for (let changed = true; changed; ) {
  changed = false;
  for (let index = post.length - 2; index >= 0; index -= 1) {
    const node = post[index]!;
    let chosen = -1;
    for (const pred of preds[node]!) if (idom[pred] !== -1) chosen = chosen === -1 ? pred : intersect(pred, chosen);
    if (chosen !== -1 && idom[node] !== chosen) {
      idom[node] = chosen;
      changed = true;
    }
  }
}
const retained = new Float64Array(count);
for (const node of post) {
  retained[node] = retained[node]! + sizeOf(node);
  const holder = idom[node]!;
  if (node !== 0 && holder >= 0) retained[holder] = retained[holder]! + retained[node]!;
}
// The largest retainers that are not (GC roots / system): objects and closures.
const edgeLabel = new Map<number, string>();
for (let node = 0; node < count; node += 1) {
  for (const [child, edge] of childrenOf(node)) {
    if (idom[child] === node && !edgeLabel.has(child)) {
      const type = edgeTypes[snap.edges[edge * EF + eType]!];
      const name = snap.edges[edge * EF + eName]!;
      edgeLabel.set(child, `${label(node)} -${type === 'element' || type === 'hidden' ? `[${name}]` : `.${snap.strings[name]}`}->`);
    }
  }
}
console.log('\nlargest retained (dominator tree), with the holder that dominates each:');
const candidates = post.filter((node) => retained[node]! > 256 * 1024 && typeOf(node) !== 'synthetic').sort((a, b) => retained[b]! - retained[a]!);
for (const node of candidates.slice(0, top)) console.log(`  ${mib(retained[node]!).padStart(10)}  ${label(node)}  <= ${edgeLabel.get(node) ?? ''}`);

// Strings: the commonest prefixes (what texts are kept).
const prefixes = new Map<string, { count: number; bytes: number }>();
for (let node = 0; node < count; node += 1) {
  const type = typeOf(node);
  if (type !== 'string' && type !== 'concatenated string' && type !== 'sliced string') continue;
  const key = nameOf(node).slice(0, 40).replace(/\s+/g, ' ');
  const entry = prefixes.get(key) ?? { count: 0, bytes: 0 };
  entry.count += 1;
  entry.bytes += sizeOf(node);
  prefixes.set(key, entry);
}
console.log('\nstrings by their first 40 characters:');
for (const [key, entry] of [...prefixes].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, top)) console.log(`  ${mib(entry.bytes).padStart(10)}  ${String(entry.count).padStart(8)}  ${JSON.stringify(key)}`);
