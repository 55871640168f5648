import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The addon's own surface, exactly as the C++ code exports it. */
export interface AddonDomainIdentity {
  name: string;
  uuid: string;
  id: number | null;
}

export interface AddonDomainEvent extends AddonDomainIdentity {
  kind: 'lifecycle' | 'reboot' | 'device-removed';
  event: number;
  detail: number;
  deviceAlias?: string;
}

/** An open console stream: opaque, passed back to the connection's stream methods. */
export type AddonStream = { readonly __brand: 'vnfm-libvirt-stream' };

export interface AddonConnection {
  close(): Promise<void>;
  isAlive(): boolean;
  setKeepAlive(intervalSeconds: number, count: number): Promise<boolean>;
  getLibVersion(): Promise<number>;
  cachedDomainHandles(): Promise<number>;
  getCapabilities(): Promise<string>;
  getDomainCapabilities(emulator: string | null, arch: string | null, machine: string | null, virttype: string | null, flags: number): Promise<string>;
  listAllNodeDevices(flags: number): Promise<string[]>;
  nodeDeviceGetXML(name: string, flags: number): Promise<string>;
  onClose(callback: (reason: number) => void): void;
  registerDomainEvents(callback: (event: AddonDomainEvent) => void): Promise<void>;
  listAllDomains(flags: number): Promise<AddonDomainIdentity[]>;
  getAllDomainStats(stats: number, flags: number): Promise<Array<AddonDomainIdentity & { params: Record<string, number | string | boolean> }>>;
  listDomainStates(): Promise<Array<AddonDomainIdentity & { state: number; persistent: boolean }>>;
  getXMLDescs(uuids: string[], flags: number): Promise<Array<{ uuid: string; xml: string }>>;
  defineXML(xml: string, flags: number): Promise<AddonDomainIdentity>;
  lookupByName(name: string): Promise<AddonDomainIdentity>;
  lookupByUUID(uuid: string): Promise<AddonDomainIdentity>;
  undefine(uuid: string, flags: number): Promise<void>;
  create(uuid: string, flags: number): Promise<void>;
  destroy(uuid: string, flags: number): Promise<void>;
  shutdown(uuid: string, flags: number): Promise<void>;
  reboot(uuid: string, flags: number): Promise<void>;
  reset(uuid: string): Promise<void>;
  suspend(uuid: string): Promise<void>;
  resume(uuid: string): Promise<void>;
  getState(uuid: string): Promise<{ state: number; reason: number }>;
  isActive(uuid: string): Promise<boolean>;
  isPersistent(uuid: string): Promise<boolean>;
  getAutostart(uuid: string): Promise<boolean>;
  setAutostart(uuid: string, autostart: boolean): Promise<void>;
  getXMLDesc(uuid: string, flags: number): Promise<string>;
  attachDevice(uuid: string, xml: string, flags: number): Promise<void>;
  detachDevice(uuid: string, xml: string, flags: number): Promise<void>;
  updateDevice(uuid: string, xml: string, flags: number): Promise<void>;
  getMetadata(uuid: string, type: number, uri: string | null, flags: number): Promise<string>;
  setMetadata(uuid: string, type: number, metadata: string | null, key: string | null, uri: string | null, flags: number): Promise<void>;
  /** virDomainOpenConsole on a non-blocking stream; events: ('data', Buffer), ('end'), ('error', Error). */
  openConsole(uuid: string, device: string | null, flags: number, onEvent: (kind: 'data' | 'end' | 'error', payload?: unknown) => void): Promise<AddonStream>;
  streamSend(stream: AddonStream, data: Buffer): Promise<void>;
  streamSetReading(stream: AddonStream, reading: boolean): void;
  /** Finishes (abort false) or aborts the stream, and frees it. */
  streamClose(stream: AddonStream, abort: boolean): Promise<void>;
}

export interface Addon {
  open(uri: string): Promise<AddonConnection>;
  /** malloc_trim(0) on a worker thread: true when pages went back to the kernel. */
  releaseFreedMemory(): Promise<boolean>;
}

// From src/ (tests, tsx) and from dist/libs/libvirt-native/src/ (the built service).
const CANDIDATES = ['../build/Release/vnfm_libvirt.node', '../../../../libs/libvirt-native/build/Release/vnfm_libvirt.node'];

let addon: Addon | undefined;

/** Loads the compiled addon once; a clear error when it was never built. */
export function loadAddon(): Addon {
  if (addon) return addon;
  const path = CANDIDATES.map((candidate) => fileURLToPath(new URL(candidate, import.meta.url))).find((file) => existsSync(file));
  if (!path) throw new Error('vnfm libvirt addon not built: run `npm run build:native` (needs libvirt-dev, pkg-config and a C++ compiler)');
  addon = createRequire(import.meta.url)(path) as Addon;
  return addon;
}
