import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { parseDomainXml } from '../../domain-xml/src/index.js';
import { LINUX_IFNAME } from '../../vnf/src/patterns.js';
import type { ObservedDomain } from './domain-state.js';

const execFileAsync = promisify(execFile);

/** Runs a program with arguments (no shell); rejects when it fails. */
export type RunProgram = (file: string, args: readonly string[]) => Promise<unknown>;

export interface NetdevHandbackOptions {
  /** Where the kernel's process tree is read (`/proc`). */
  procRoot?: string;
  run?: RunProgram;
  log?: (level: 'warn', message: string) => void;
}

/**
 * The host NICs a container holds (`<hostdev mode='capabilities' type='net'>`) go back to the
 * host's network namespace before the container stops. The kernel returns a physical NIC by
 * itself when a namespace dies, but deletes a virtual one (veth, macvlan, ...) with it; moving
 * each one back first gives every kind back, under its own name.
 *
 * libvirt's LXC driver reports the container's controller as the domain id; the container's init
 * is that process's child, and its network namespace is the container's. Best effort: a NIC
 * that cannot be moved (already gone, renamed inside) is logged, and the stop goes on.
 */
export class NetdevHandback {
  private readonly procRoot: string;
  private readonly run: RunProgram;

  constructor(private readonly options: NetdevHandbackOptions = {}) {
    this.procRoot = options.procRoot ?? '/proc';
    this.run = options.run ?? ((file, args) => execFileAsync(file, [...args], { timeout: 10_000 }));
  }

  /** Moves the NICs named in the running container's live XML back to vnfm's own namespace. */
  async handBack(domain: ObservedDomain, liveXml: string): Promise<string[]> {
    if (domain.id === null || domain.id <= 0) return [];
    const names = (await parseDomainXml(liveXml)).hostdevs.flatMap((hostdev) => (hostdev.kind === 'net' && LINUX_IFNAME.test(hostdev.source) ? [hostdev.source] : []));
    if (names.length === 0) return [];
    const init = this.initOf(domain.id);
    if (init === null) {
      this.options.log?.('warn', `container ${domain.name}: no init process under controller ${domain.id}; its NICs ${names.join(', ')} are left to the kernel`);
      return [];
    }
    const moved: string[] = [];
    for (const name of names) {
      try {
        await this.run('nsenter', ['-t', String(init), '-n', 'ip', 'link', 'set', 'dev', name, 'netns', String(process.pid)]);
        moved.push(name);
      } catch (error) {
        this.options.log?.('warn', `container ${domain.name}: could not move ${name} back to the host: ${(error as Error).message.split('\n')[0]}`);
      }
    }
    return moved;
  }

  /** The first child of the LXC controller process: the container's init. */
  private initOf(controllerPid: number): number | null {
    try {
      const text = readFileSync(`${this.procRoot}/${controllerPid}/task/${controllerPid}/children`, 'utf8').trim();
      const first = Number(text.split(/\s+/)[0]);
      return Number.isInteger(first) && first > 0 ? first : null;
    } catch {
      return null;
    }
  }
}
