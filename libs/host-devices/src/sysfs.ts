import { existsSync, readFileSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';
import { basename, join } from 'node:path';

/** A non-negative decimal, else null (`numa_node` reads -1 when unknown). */
export function integerOrNull(value: string | null): number | null {
  if (value === null || !/^-?[0-9]+$/.test(value)) return null;
  const number = Number(value);
  return number < 0 ? null : number;
}

/**
 * Read-only access to a sysfs tree under a configurable root (`/sys`, or a fixture tree in tests).
 * Every read is forgiving: a missing or unreadable attribute is `null`, never an exception,
 * because real hosts differ in which attributes exist.
 */
export class SysfsTree {
  constructor(readonly root: string) {}

  path(...parts: string[]): string {
    return join(this.root, ...parts);
  }

  exists(...parts: string[]): boolean {
    return existsSync(this.path(...parts));
  }

  /** An attribute's text, trimmed; `(null)` (an unset driver_override) reads as null. */
  text(...parts: string[]): string | null {
    try {
      const value = readFileSync(this.path(...parts), 'utf8').trim();
      return value === '' || value === '(null)' ? null : value;
    } catch {
      return null;
    }
  }

  /** The NUL-separated strings of a device-tree property such as `of_node/compatible`. */
  strings(...parts: string[]): string[] {
    try {
      return readFileSync(this.path(...parts), 'latin1').split('\0').filter((item) => item !== '');
    } catch {
      return [];
    }
  }

  /** The last path segment a symlink points to (`driver` -> `vfio-pci`), or null. */
  linkName(...parts: string[]): string | null {
    try {
      return basename(readlinkSync(this.path(...parts)));
    } catch {
      return null;
    }
  }

  list(...parts: string[]): string[] {
    try {
      return readdirSync(this.path(...parts)).sort();
    } catch {
      return [];
    }
  }

  /** The IOMMU group number of a device directory (its `iommu_group` link), or null without one. */
  iommuGroup(...deviceDir: string[]): number | null {
    return integerOrNull(this.linkName(...deviceDir, 'iommu_group'));
  }

  /** The resolved location of a path (sysfs bus entries are symlinks into /sys/devices). */
  real(...parts: string[]): string | null {
    try {
      return realpathSync(this.path(...parts));
    } catch {
      return null;
    }
  }
}
