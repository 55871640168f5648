import type { BindingConnection, BindingDomain, LibvirtBinding } from './binding.js';

/**
 * Adapter over @unraid/libvirt (ESM only, loaded on first use). It loses libvirt's error
 * codes, so LibvirtClient classifies failures by probing the connection instead.
 * This is the only file in vnfm that imports a libvirt binding.
 */
type UnraidModule = typeof import('@unraid/libvirt');
type UnraidHypervisor = InstanceType<UnraidModule['Hypervisor']>;
type UnraidDomain = Awaited<ReturnType<UnraidHypervisor['domainLookupByName']>>;

const XML_INACTIVE = 2;
const LIST_TRANSIENT = 8;

let modulePromise: Promise<UnraidModule> | undefined;
function loadModule(): Promise<UnraidModule> {
  modulePromise ??= import('@unraid/libvirt');
  return modulePromise;
}

class UnraidDomainHandle implements BindingDomain {
  constructor(private readonly domain: UnraidDomain) {}
  name(): Promise<string> {
    return this.domain.getName();
  }
  uuid(): Promise<string> {
    return this.domain.getUUIDString();
  }
  async id(): Promise<number | null> {
    const id = await this.domain.getID();
    return id === null || id < 0 ? null : id;
  }
  async stateCode(): Promise<number> {
    return (await this.domain.getInfo()).state;
  }
  xml(options: { inactive: boolean }): Promise<string> {
    return this.domain.getXMLDesc(options.inactive ? XML_INACTIVE : 0);
  }
  create(): Promise<void> {
    return this.domain.create();
  }
  destroy(): Promise<void> {
    return this.domain.destroy();
  }
  shutdown(): Promise<void> {
    return this.domain.shutdown();
  }
  undefine(): Promise<void> {
    return this.domain.undefine();
  }
}

class UnraidConnection implements BindingConnection {
  constructor(private readonly hypervisor: UnraidHypervisor) {}
  close(): Promise<void> {
    return this.hypervisor.connectClose();
  }
  async ping(): Promise<void> {
    await this.hypervisor.connectGetHostname();
  }
  async listAllDomains(): Promise<BindingDomain[]> {
    const domains = await this.hypervisor.connectListAllDomains();
    return domains.map((domain) => new UnraidDomainHandle(domain));
  }
  async listTransientDomainNames(): Promise<Set<string>> {
    const domains = await this.hypervisor.connectListAllDomains(LIST_TRANSIENT);
    return new Set(await Promise.all(domains.map((domain) => domain.getName())));
  }
  async lookupDomainByName(name: string): Promise<BindingDomain> {
    return new UnraidDomainHandle(await this.hypervisor.domainLookupByName(name));
  }
  async defineXml(xml: string): Promise<BindingDomain> {
    return new UnraidDomainHandle(await this.hypervisor.domainDefineXML(xml));
  }
}

export const unraidBinding: LibvirtBinding = {
  name: '@unraid/libvirt',
  async open(uri: string): Promise<BindingConnection> {
    const { Hypervisor } = await loadModule();
    const hypervisor = new Hypervisor({ uri });
    await hypervisor.connectOpen();
    return new UnraidConnection(hypervisor);
  },
};
