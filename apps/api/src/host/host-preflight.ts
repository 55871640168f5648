import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface PreflightCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface PreflightInput {
  sysfsRoot: string;
  devRoot: string;
  qemuConfPath: string;
  /** `-device help` output of the aarch64 emulator, or null when it could not be run. */
  aarch64DeviceHelp: string | null;
  aarch64Emulator: string;
  /** IOMMU groups of VFIO devices libvirt cannot see (fsl-mc, vfio-platform) that are ready for guests. */
  hiddenVfioGroups: number[];
  /** The container side, when VNFM_LXC_URI is not off. */
  lxc?: {
    uri: string;
    /** libvirt's LXC controller binary (Debian: libvirt-daemon-driver-lxc). */
    controllerPath: string;
    /** The LXC connection is up. */
    connected: boolean;
    /**
     * The local libvirtd's mount namespace still has the cgroup2 `unified` mount of a hybrid
     * host, where libvirt_lxc cannot start containers (null: not known, e.g. a remote libvirtd).
     */
    libvirtdSeesUnifiedCgroup: boolean | null;
  };
}

/**
 * Whether the system libvirtd (its pid in `pidFile`) runs with the cgroup2 `unified` mount of a
 * hybrid cgroup host in its mount namespace; null when that cannot be read.
 */
export function libvirtdSeesUnifiedCgroup(procRoot: string, pidFile = '/run/libvirtd.pid', cgroupRoot = '/sys/fs/cgroup'): boolean | null {
  try {
    const pid = readFileSync(pidFile, 'utf8').trim();
    if (!/^[0-9]+$/.test(pid)) return null;
    const hasUnified = (mountinfo: string) => mountinfo.split('\n').some((line) => line.split(' ')[4] === '/sys/fs/cgroup/unified');
    const hostHybrid = hasUnified(readFileSync(join(procRoot, '1', 'mountinfo'), 'utf8')) && existsSync(join(cgroupRoot, 'memory'));
    return hostHybrid && hasUnified(readFileSync(join(procRoot, pid, 'mountinfo'), 'utf8'));
  } catch {
    return null;
  }
}

/** Where Debian's libvirt-daemon-driver-lxc puts the per-container controller. */
export const LIBVIRT_LXC_CONTROLLER = '/usr/lib/libvirt/libvirt_lxc';

function nonEmptyDir(path: string): boolean {
  try {
    return readdirSync(path).length > 0;
  } catch {
    return false;
  }
}

/** The `cgroup_device_acl = [ ... ]` entries of qemu.conf (null when it is not set there). */
export function cgroupDeviceAcl(qemuConf: string): string[] | null {
  const uncommented = qemuConf.split('\n').map((line) => line.replace(/#.*$/, '')).join('\n');
  const match = /cgroup_device_acl\s*=\s*\[([^\]]*)\]/.exec(uncommented);
  if (!match) return null;
  return [...match[1]!.matchAll(/"([^"]*)"/g)].map((entry) => entry[1]!);
}

/**
 * What a host needs for device assignment, checked without changing anything. Each failed check
 * is a warning with what to do, never a crash: a host without VFIO can still run plain VNFs.
 */
export function hostPreflight(input: PreflightInput): PreflightCheck[] {
  const checks: PreflightCheck[] = [];
  const check = (name: string, ok: boolean, good: string, bad: string) => checks.push({ name, ok, detail: ok ? good : bad });
  check('iommu', nonEmptyDir(join(input.sysfsRoot, 'kernel', 'iommu_groups')), 'IOMMU groups present', 'no IOMMU groups: enable the IOMMU (intel_iommu=on / amd_iommu=on, or the SMMU) to assign devices');
  check('vfio-pci', existsSync(join(input.sysfsRoot, 'bus', 'pci', 'drivers', 'vfio-pci')), 'vfio-pci driver loaded', 'vfio-pci is not loaded: modprobe vfio-pci');
  check('dev-vfio', existsSync(join(input.devRoot, 'vfio', 'vfio')), '/dev/vfio/vfio present', '/dev/vfio/vfio missing: load the vfio module');
  if (existsSync(join(input.sysfsRoot, 'bus', 'platform'))) {
    check('vfio-platform', existsSync(join(input.sysfsRoot, 'bus', 'platform', 'drivers', 'vfio-platform')), 'vfio-platform driver loaded', 'vfio-platform is not loaded: modprobe vfio-platform reset_required=0');
  }
  if (existsSync(join(input.sysfsRoot, 'bus', 'fsl-mc'))) {
    check('vfio-fsl-mc', existsSync(join(input.sysfsRoot, 'bus', 'fsl-mc', 'drivers', 'vfio-fsl-mc')), 'vfio-fsl-mc driver loaded', 'vfio-fsl-mc is not loaded: modprobe vfio-fsl-mc');
  }
  const help = input.aarch64DeviceHelp;
  for (const device of ['vfio-fsl-mc', 'vfio-platform']) {
    const supported = help !== null && help.includes(`name "${device}"`);
    check(
      `emulator-${device}`,
      supported,
      `${input.aarch64Emulator} has ${device}`,
      help === null ? `could not run ${input.aarch64Emulator} -device help` : `${input.aarch64Emulator} has no ${device} device${device === 'vfio-fsl-mc' ? ' (only NXP\'s QEMU fork does; set VNFM_EMULATOR_AARCH64)' : ' (removed in QEMU 10.2)'}`,
    );
  }
  if (input.lxc) {
    check('lxc-driver', existsSync(input.lxc.controllerPath), `libvirt's LXC driver is installed (${input.lxc.controllerPath})`, `${input.lxc.controllerPath} is missing: apt-get install libvirt-daemon-driver-lxc, then restart libvirtd (scripts/start-libvirtd.sh)`);
    check(
      'lxc-connection',
      input.lxc.connected,
      `${input.lxc.uri} answers`,
      `${input.lxc.uri} does not answer: container VNFs wait (is libvirtd running with the LXC driver? see scripts/setup-host.sh)`,
    );
    if (input.lxc.libvirtdSeesUnifiedCgroup !== null) {
      check(
        'lxc-cgroup',
        !input.lxc.libvirtdSeesUnifiedCgroup,
        'libvirtd runs without the cgroup2 unified mount (containers can start)',
        'libvirtd sees /sys/fs/cgroup/unified on this hybrid cgroup host: libvirt_lxc cannot start containers; restart it with scripts/start-libvirtd.sh (or run scripts/setup-host.sh)',
      );
    }
  }
  let acl: string[] | null = null;
  try {
    acl = cgroupDeviceAcl(readFileSync(input.qemuConfPath, 'utf8'));
  } catch {
    acl = null;
  }
  const missing = input.hiddenVfioGroups.map((group) => `/dev/vfio/${group}`).filter((path) => !(acl ?? []).includes(path));
  check(
    'cgroup-device-acl',
    missing.length === 0,
    'cgroup_device_acl covers the VFIO groups of fsl-mc and platform devices',
    `${input.qemuConfPath}: cgroup_device_acl must list ${missing.join(', ')} (libvirt cannot see devices passed in <qemu:commandline>)`,
  );
  return checks;
}

/** `EMULATOR -device help`, or null when it cannot be run within 10 s. */
export async function deviceHelpOf(emulator: string): Promise<string | null> {
  try {
    const { stdout, stderr } = await run(emulator, ['-machine', 'none', '-device', 'help'], { timeout: 10_000, maxBuffer: 4 * 1024 * 1024 });
    return `${stdout}${stderr}`;
  } catch {
    return null;
  }
}
