/**
 * The host resources a VNF spec names, each with the request field it came from. Pure. The
 * shape is structural so a validated request and a stored spec both fit.
 */
export interface ResourceSpec {
  disks: ReadonlyArray<{ path: string }>;
  boot?: { kernel: string; initrd?: string; dtb?: string } | undefined;
  interfaces: ReadonlyArray<{ type: string; socket?: string; device?: string }>;
  /** A container's root directory and bind-mount sources. */
  container?: { rootfs?: string | undefined; mounts: ReadonlyArray<{ source: string }> } | undefined;
}

export type HostResource =
  | { field: string; kind: 'disk'; path: string }
  | { field: string; kind: 'boot-file'; path: string }
  | { field: string; kind: 'vhost-socket'; path: string }
  | { field: string; kind: 'direct-device'; device: string }
  | { field: string; kind: 'container-dir'; path: string };

export function hostResourcesOf(spec: ResourceSpec): HostResource[] {
  const resources: HostResource[] = spec.disks.map((disk, index) => ({ field: `disks[${index}].path`, kind: 'disk', path: disk.path }));
  for (const key of ['kernel', 'initrd', 'dtb'] as const) {
    const path = spec.boot?.[key];
    if (path !== undefined) resources.push({ field: `boot.${key}`, kind: 'boot-file', path });
  }
  spec.interfaces.forEach((nic, index) => {
    if (nic.type === 'vhostuser' && nic.socket !== undefined) resources.push({ field: `interfaces[${index}].socket`, kind: 'vhost-socket', path: nic.socket });
    if (nic.type === 'direct' && nic.device !== undefined) resources.push({ field: `interfaces[${index}].device`, kind: 'direct-device', device: nic.device });
  });
  if (spec.container?.rootfs !== undefined) resources.push({ field: 'container.rootfs', kind: 'container-dir', path: spec.container.rootfs });
  spec.container?.mounts.forEach((mount, index) => resources.push({ field: `container.mounts[${index}].source`, kind: 'container-dir', path: mount.source }));
  return resources;
}
