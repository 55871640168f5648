import type { FieldProblem } from '../../core/src/index.js';
import { backingChainProblem } from './backing-chain.js';
import { containerDirProblem } from './container-dir.js';
import { directInterfaceProblem, type DirectInterfaceHost } from './direct-interface.js';
import { IMAGE_REASONS } from './path-policy.js';
import { checkImagePath, resolveImagePolicy, type ImagePolicy, type ResolvedImagePolicy } from './image-file.js';
import type { HostResourcePort } from './host-resource-port.js';
import { runQemuImgInfo, type QemuImgInfo } from './qemu-img.js';
import { hostResourcesOf, type HostResource, type ResourceSpec } from './spec-resources.js';
import { vhostSocketProblem } from './vhost-socket.js';

export interface HostResourcePolicy extends ImagePolicy, DirectInterfaceHost {
  vhostSocketDirs: readonly string[];
  qemuImgInfo?: QemuImgInfo;
}

/** The real checks, on the real host (or the sysfs/procfs roots the policy names). */
export class HostResourceChecker implements HostResourcePort {
  constructor(private readonly policy: HostResourcePolicy) {}

  async problems(spec: ResourceSpec): Promise<FieldProblem[]> {
    const resources = hostResourcesOf(spec);
    if (resources.length === 0) return [];
    const images = await resolveImagePolicy(this.policy);
    const reasons = await Promise.all(resources.map((resource) => this.problemOf(resource, images)));
    return resources.flatMap((resource, index) => {
      const reason = reasons[index];
      return reason === undefined ? [] : [{ field: resource.field, reason, code: 'resource-refused' }];
    });
  }

  private async problemOf(resource: HostResource, images: ResolvedImagePolicy): Promise<string | undefined> {
    switch (resource.kind) {
      case 'disk':
      case 'boot-file': {
        const verdict = await checkImagePath(resource.path, images);
        if (!verdict.ok) return IMAGE_REASONS[verdict.refusal];
        if (resource.kind === 'boot-file') return undefined;
        return backingChainProblem(resource.path, verdict.resolved, images, this.policy.qemuImgInfo ?? runQemuImgInfo);
      }
      case 'vhost-socket':
        return vhostSocketProblem(resource.path, this.policy.vhostSocketDirs);
      case 'direct-device':
        return directInterfaceProblem(resource.device, this.policy);
      case 'container-dir':
        return containerDirProblem(resource.path, images);
    }
  }
}
