import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { LXC_URI, virsh } from './virsh.js';

const run = promisify(execFile);

/**
 * The init of a running container: libvirt's LXC driver reports its controller as the domain
 * id (`virsh -c lxc:/// domid`); the init is the controller's child.
 */
export async function containerInitPid(name: string): Promise<number> {
  const controller = Number((await virsh(LXC_URI, 'domid', name)).trim());
  if (!Number.isInteger(controller) || controller <= 0) throw new Error(`${name} is not running`);
  const children = readFileSync(`/proc/${controller}/task/${controller}/children`, 'utf8').trim().split(/\s+/);
  return Number(children[0]);
}

/** The network interfaces seen from inside a container's namespace (`nsenter -n ip -o link`): name -> MAC. */
export async function linksInside(name: string): Promise<Map<string, string>> {
  const { stdout } = await run('nsenter', ['-t', String(await containerInitPid(name)), '-n', 'ip', '-o', 'link']);
  return parseLinks(stdout);
}

/** The host's own interfaces: name -> MAC. */
export async function hostLinks(): Promise<Map<string, string>> {
  return parseLinks((await run('ip', ['-o', 'link'])).stdout);
}

function parseLinks(text: string): Map<string, string> {
  const links = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^\d+:\s+([^:@\s]+)(@\S+)?:.*link\/\S+\s+([0-9a-f:]{17})/.exec(line);
    if (match) links.set(match[1]!, match[3]!);
  }
  return links;
}

/** Stand-ins for NICs (there is no dummy module): veth pairs and a bridge, removed by `remove()`. */
export class StandInNics {
  private readonly created: string[] = [];

  async bridge(name: string): Promise<void> {
    await run('ip', ['link', 'add', name, 'type', 'bridge']);
    this.created.push(name);
    await run('ip', ['link', 'set', name, 'up']);
  }

  /** A veth pair; `name` is the end a test uses, `${name}p` its peer. */
  async veth(name: string, options: { up?: boolean } = {}): Promise<void> {
    await run('ip', ['link', 'add', name, 'type', 'veth', 'peer', 'name', `${name}p`]);
    this.created.push(name);
    if (options.up) await run('ip', ['link', 'set', name, 'up']);
  }

  async remove(): Promise<void> {
    for (const name of this.created.splice(0).reverse()) await run('ip', ['link', 'del', name]).catch(() => undefined);
  }
}
