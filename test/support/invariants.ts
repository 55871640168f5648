import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { sleep } from './libvirtd.js';
import { virsh, virshResult } from './virsh.js';

export const VNFM_NAMESPACE = 'https://vnfm.dev/xmlns/vnfm/1';

/** What the invariants are checked over: one vnfm's database and the libvirtd it manages. */
export interface InvariantScope {
  uri: string;
  dbPath: string;
  /**
   * Which domains of this libvirtd belong to the scenario (the system daemon's test driver is
   * shared with other tests, so a name prefix; a private libvirtd can say `() => true`). Domains
   * named by a row of the database are always looked at.
   */
  inScope: (domainName: string) => boolean;
  /** VNFs whose create (or replace) was acknowledged (2xx) and not deleted since: must exist. */
  acknowledged?: Array<{ name: string; id?: string }>;
  /** VNFs that must not be there, row or domain: acknowledged deletes, refused creates. */
  absent?: string[];
  /** Rows allowed to have no domain (for example a VNF deliberately Failed before its define). */
  rowsWithoutDomain?: string[];
}

export interface ObservedDomain {
  name: string;
  uuid: string | null;
  /** `<vnfm:id>` of vnfm's mark; null when the domain carries no (readable) mark. */
  markId: string | null;
  /** `<vnfm:instance>` of the mark, when there is one. */
  markInstance: string | null;
  macs: string[];
  /** Device keys as device_claim holds them: `pci:0000:04:00.0`, `fsl-mc:dprc.2`, `platform:NAME`. */
  devices: string[];
  /** Whether the XML carries `<qemu:commandline>` (the test driver drops it). */
  hasQemuCommandline: boolean;
  xml: string;
}

interface Row {
  id: string;
  name: string;
  spec: string;
  pending_operation: string | null;
}

interface Claim {
  device_key: string;
  vnf_id: string;
  slot: string | null;
}

/** Parses what the invariants need from a domain's XML (regexes: libvirt's own formatting). */
export function observeDomainXml(name: string, xml: string): ObservedDomain {
  const uuid = /<uuid>([^<]+)<\/uuid>/.exec(xml)?.[1] ?? null;
  let markId: string | null = null;
  let markInstance: string | null = null;
  const prefix = new RegExp(`xmlns:([A-Za-z_][\\w.-]*)=["']${VNFM_NAMESPACE.replace(/[.]/g, '\\.')}["']`).exec(xml)?.[1];
  if (prefix) {
    markId = new RegExp(`<${prefix}:id>\\s*([0-9a-fA-F-]{36})\\s*</${prefix}:id>`).exec(xml)?.[1]?.toLowerCase() ?? null;
    markInstance = new RegExp(`<${prefix}:instance>\\s*([^<\\s]+)\\s*</${prefix}:instance>`).exec(xml)?.[1] ?? null;
  }
  const macs = [...xml.matchAll(/<mac address=["']([0-9a-fA-F:]{17})["']/g)].map((match) => match[1]!.toLowerCase());
  const devices: string[] = [];
  for (const hostdev of xml.matchAll(/<hostdev\b[^>]*type=["']pci["'][^>]*>([\s\S]*?)<\/hostdev>/g)) {
    const source = /<source[^>]*>([\s\S]*?)<\/source>/.exec(hostdev[1]!)?.[1] ?? '';
    const address = /<address[^>]*domain=["']0x([0-9a-fA-F]+)["'][^>]*bus=["']0x([0-9a-fA-F]+)["'][^>]*slot=["']0x([0-9a-fA-F]+)["'][^>]*function=["']0x([0-9a-fA-F]+)["']/.exec(source);
    if (address) {
      const [, domain, bus, slot, fn] = address;
      devices.push(`pci:${domain!.padStart(4, '0')}:${bus!.padStart(2, '0')}:${slot!.padStart(2, '0')}.${fn!}`.toLowerCase());
    }
  }
  for (const interfaceHostdev of xml.matchAll(/<interface\b[^>]*type=["']hostdev["'][^>]*>([\s\S]*?)<\/interface>/g)) {
    const address = /<address[^>]*domain=["']0x([0-9a-fA-F]+)["'][^>]*bus=["']0x([0-9a-fA-F]+)["'][^>]*slot=["']0x([0-9a-fA-F]+)["'][^>]*function=["']0x([0-9a-fA-F]+)["']/.exec(
      /<source[^>]*>([\s\S]*?)<\/source>/.exec(interfaceHostdev[1]!)?.[1] ?? '',
    );
    if (address) {
      const [, domain, bus, slot, fn] = address;
      devices.push(`pci:${domain!.padStart(4, '0')}:${bus!.padStart(2, '0')}:${slot!.padStart(2, '0')}.${fn!}`.toLowerCase());
    }
  }
  for (const arg of xml.matchAll(/<qemu:arg value=["']vfio-(fsl-mc|platform),host=([^"']+)["']/g)) devices.push(`${arg[1]}:${arg[2]}`);
  return { name, uuid, markId, markInstance, macs, devices, hasQemuCommandline: /<qemu:commandline>/.test(xml), xml };
}

/** Every domain of `uri` whose name `pick` accepts, with its inactive XML parsed. */
export async function observeDomains(uri: string, pick: (name: string) => boolean): Promise<ObservedDomain[]> {
  const names = (await virsh(uri, 'list', '--all', '--name')).split('\n').map((line) => line.trim()).filter(Boolean);
  const observed: ObservedDomain[] = [];
  for (const name of names.filter(pick)) {
    const dumped = await virshResult(uri, 'dumpxml', '--inactive', name);
    if (dumped.ok) observed.push(observeDomainXml(name, dumped.output));
  }
  return observed;
}

/** Runs `read` on a read-only connection to the SQLite file. */
export function readDb<T>(dbPath: string, read: (db: Database.Database) => T): T {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    return read(db);
  } finally {
    db.close();
  }
}

function tableExists(db: Database.Database, table: string): boolean {
  return db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(table) !== undefined;
}

function specMacs(spec: string): string[] | null {
  try {
    const parsed = JSON.parse(spec) as { interfaces?: Array<{ mac?: string }> };
    return (parsed.interfaces ?? []).map((nic) => nic.mac?.toLowerCase()).filter((mac): mac is string => typeof mac === 'string');
  } catch {
    return null;
  }
}

function duplicates(values: string[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const value of values) (seen.has(value) ? twice : seen).add(value);
  return [...twice];
}

/**
 * The invariants every reliability scenario ends with, as a list of violations (empty: all hold):
 * - `PRAGMA integrity_check` is ok;
 * - every row of `vnf` not being deleted has exactly one vnfm-managed domain (mark id = row id),
 *   named as the row; no in-scope domain carries vnfm's mark for an id the database does not
 *   know (no orphan);
 * - the claims of each row are the devices in its domain (PCI always; qemu:commandline devices
 *   where the driver keeps them); no claim for a VNF that is not there;
 * - no device and no MAC twice, across domains and across rows;
 * - every acknowledged VNF is there (row and domain); what must be absent (acknowledged deletes,
 *   refused creates) has neither row nor domain.
 */
export async function invariantViolations(scope: InvariantScope): Promise<string[]> {
  const violations: string[] = [];
  if (!existsSync(scope.dbPath)) return [`database ${scope.dbPath} does not exist`];
  const { rows, claims, macRows, integrity, instanceId } = readDb(scope.dbPath, (db) => ({
    rows: db.prepare(`SELECT "id", "name", "spec", "pending_operation" FROM "vnf"`).all() as Row[],
    claims: tableExists(db, 'device_claim') ? (db.prepare(`SELECT "device_key", "vnf_id", "slot" FROM "device_claim"`).all() as Claim[]) : [],
    macRows: tableExists(db, 'vnf_mac') ? (db.prepare(`SELECT "mac", "vnf_id" FROM "vnf_mac"`).all() as Array<{ mac: string; vnf_id: string }>) : null,
    integrity: (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((row) => row.integrity_check),
    instanceId: tableExists(db, 'vnfm_meta') ? ((db.prepare(`SELECT "value" FROM "vnfm_meta" WHERE "key" = 'instance-id'`).get() as { value: string } | undefined)?.value ?? null) : null,
  }));
  if (integrity.join() !== 'ok') violations.push(`integrity_check: ${integrity.join('; ')}`);

  const rowNames = new Set(rows.map((row) => row.name));
  const rowIds = new Set(rows.map((row) => row.id.toLowerCase()));
  const absent = new Set(scope.absent ?? []);
  const domains = await observeDomains(scope.uri, (name) => scope.inScope(name) || rowNames.has(name) || absent.has(name));
  const marked = domains.filter((domain) => domain.markId !== null);
  const allowedWithout = new Set(scope.rowsWithoutDomain ?? []);

  for (const row of rows) {
    const carrying = marked.filter((domain) => domain.markId === row.id.toLowerCase());
    const deleting = row.pending_operation === 'delete';
    if (carrying.length > 1) violations.push(`VNF ${row.name} (${row.id}) has ${carrying.length} domains: ${carrying.map((domain) => domain.name).join(', ')}`);
    if (!deleting && carrying.length === 0 && !allowedWithout.has(row.name)) violations.push(`VNF ${row.name} (${row.id}) has no vnfm-managed domain`);
    for (const domain of carrying) if (domain.name !== row.name) violations.push(`VNF ${row.name}'s domain is named ${domain.name}`);
    if (deleting || carrying.length !== 1) continue;
    const domain = carrying[0]!;
    const claimed = claims.filter((claim) => claim.vnf_id === row.id && claim.slot !== null).map((claim) => claim.device_key);
    const comparable = (key: string) => key.startsWith('pci:') || domain.hasQemuCommandline;
    const wantDevices = claimed.filter(comparable).sort();
    const haveDevices = domain.devices.filter(comparable).sort();
    // A claim dropped by a replace is kept (slot null) until the old domain stops: allowed in the domain too.
    const releasing = new Set(claims.filter((claim) => claim.vnf_id === row.id && claim.slot === null).map((claim) => claim.device_key));
    const missing = wantDevices.filter((key) => !haveDevices.includes(key));
    const unclaimed = haveDevices.filter((key) => !wantDevices.includes(key) && !releasing.has(key));
    if (missing.length > 0) violations.push(`VNF ${row.name}: claimed but not in its domain: ${missing.join(', ')}`);
    if (unclaimed.length > 0) violations.push(`VNF ${row.name}: in its domain but not claimed by it: ${unclaimed.join(', ')}`);
  }

  for (const domain of marked) {
    // A mark naming another vnfm instance is that instance's business, not an orphan of this one.
    if (instanceId !== null && domain.markInstance !== null && domain.markInstance !== instanceId) continue;
    if (!rowIds.has(domain.markId!)) violations.push(`orphan: domain ${domain.name} carries vnfm's mark for ${domain.markId}, which has no row`);
  }

  for (const claim of claims) if (!rowIds.has(claim.vnf_id.toLowerCase())) violations.push(`claim ${claim.device_key} held by missing VNF ${claim.vnf_id}`);
  const twiceInDomains = duplicates(domains.flatMap((domain) => [...new Set(domain.devices)]));
  if (twiceInDomains.length > 0) violations.push(`devices in two domains: ${twiceInDomains.join(', ')}`);
  const twiceClaimed = duplicates(claims.map((claim) => claim.device_key));
  if (twiceClaimed.length > 0) violations.push(`devices claimed twice: ${twiceClaimed.join(', ')}`);

  const domainMacs = duplicates(domains.flatMap((domain) => [...new Set(domain.macs)]));
  if (domainMacs.length > 0) violations.push(`MACs in two domains: ${domainMacs.join(', ')}`);
  const rowMacs = duplicates(rows.flatMap((row) => [...new Set(specMacs(row.spec) ?? [])]));
  if (rowMacs.length > 0) violations.push(`MACs in two VNF specs: ${rowMacs.join(', ')}`);
  if (macRows) {
    for (const mac of macRows) if (!rowIds.has(mac.vnf_id.toLowerCase())) violations.push(`vnf_mac ${mac.mac} held by missing VNF ${mac.vnf_id}`);
  }

  for (const ack of scope.acknowledged ?? []) {
    const row = rows.find((candidate) => candidate.name === ack.name);
    if (!row) {
      violations.push(`acknowledged VNF ${ack.name} has no row`);
      continue;
    }
    if (ack.id && row.id.toLowerCase() !== ack.id.toLowerCase()) violations.push(`acknowledged VNF ${ack.name} has id ${row.id}, was acknowledged as ${ack.id}`);
    if (!marked.some((domain) => domain.markId === row.id.toLowerCase()) && row.pending_operation !== 'delete' && !allowedWithout.has(row.name)) {
      violations.push(`acknowledged VNF ${ack.name} has no domain`);
    }
  }
  for (const name of scope.absent ?? []) {
    if (rowNames.has(name)) violations.push(`VNF ${name} should be absent but has a row`);
    if (domains.some((domain) => domain.name === name)) violations.push(`VNF ${name} should be absent but has a domain`);
  }
  return violations;
}

/** Waits (bounded) until every invariant holds; fails with the violations still there. */
export async function expectInvariants(scope: InvariantScope, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: string[] = [];
  for (;;) {
    last = await invariantViolations(scope);
    if (last.length === 0) return;
    if (Date.now() > deadline) break;
    await sleep(500);
  }
  throw new Error(`invariants violated after ${timeoutMs} ms:\n  ${last.join('\n  ')}`);
}

/** Destroys and undefines every domain of `uri` whose name `pick` accepts (cleanup, errors ignored). */
export async function removeDomains(uri: string, pick: (name: string) => boolean): Promise<void> {
  const listed = await virshResult(uri, 'list', '--all', '--name');
  if (!listed.ok) return;
  for (const name of listed.output.split('\n').map((line) => line.trim()).filter(Boolean).filter(pick)) {
    await virshResult(uri, 'destroy', name);
    await virshResult(uri, 'undefine', name);
  }
}
