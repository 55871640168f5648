import { LibvirtNativeError, NativeConnection } from '../../libs/libvirt-native/src/index.js';
import { uniqueName } from '../support/virsh.js';

export const BINDING_URIS = ['test:///default', 'test+unix:///default', 'qemu:///system'] as const;

/** The smallest domain each driver defines (and, for qemu, really starts under TCG). */
export function minimalDomainXml(uri: string, name = uniqueName('nb')): string {
  if (uri.startsWith('qemu')) {
    return `<domain type='qemu'><name>${name}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu><os><type arch='aarch64' machine='virt'>hvm</type></os><cpu mode='maximum'/><devices><serial type='pty'/></devices></domain>`;
  }
  return `<domain type='test'><name>${name}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>`;
}

/** The rejection of `call`, as the binding's typed error (fails the test when it resolves). */
export async function rejection(call: Promise<unknown>): Promise<LibvirtNativeError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof LibvirtNativeError) return error;
    throw error;
  }
  throw new Error('expected the call to reject');
}

/** Waits until `predicate` holds for the events seen so far. */
export async function waitFor<T>(items: T[], predicate: (items: T[]) => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate(items)) {
    if (Date.now() > deadline) throw new Error(`timed out; saw ${JSON.stringify(items)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export { NativeConnection };
