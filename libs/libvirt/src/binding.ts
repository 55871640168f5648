/**
 * The narrow surface vnfm needs from a libvirt binding. Only adapters in this folder
 * implement it; the rest of vnfm talks to LibvirtPort.
 */
export interface BindingDomain {
  name(): Promise<string>;
  uuid(): Promise<string>;
  id(): Promise<number | null>;
  stateCode(): Promise<number>;
  xml(options: { inactive: boolean }): Promise<string>;
  create(): Promise<void>;
  destroy(): Promise<void>;
  shutdown(): Promise<void>;
  undefine(): Promise<void>;
}

export interface BindingConnection {
  close(): Promise<void>;
  /** A cheap round trip to libvirtd, used to tell a dead connection from a failed call. */
  ping(): Promise<void>;
  listAllDomains(): Promise<BindingDomain[]>;
  /** Names of transient domains (usually none, so this stays one cheap call). */
  listTransientDomainNames(): Promise<Set<string>>;
  lookupDomainByName(name: string): Promise<BindingDomain>;
  defineXml(xml: string): Promise<BindingDomain>;
}

export interface LibvirtBinding {
  readonly name: string;
  open(uri: string): Promise<BindingConnection>;
}
