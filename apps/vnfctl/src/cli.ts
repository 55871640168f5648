import { Command, CommanderError, Option } from 'commander';
import { stringify } from 'yaml';
import { ApiError, VnfmClient } from './client.js';
import { bashCompletion, zshCompletion } from './completion.js';
import { resolveTarget } from './config.js';
import { attachConsole, type ConsoleIo } from './console.js';
import { CliError, EXIT, type ExitCode } from './exit-codes.js';
import { readManifests } from './manifests.js';
import { OUTPUT_FORMATS, VNF_COLUMNS, outputFormat, render, table, vnfRow, type OutputFormat, type VnfView } from './output.js';
import { unifiedDiff } from './unified-diff.js';
import { follow } from './watch.js';

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** Aborted on SIGINT (ends `get -w`). */
  signal?: AbortSignal;
  /** The terminal `console` attaches (main: the process's stdin and stdout). */
  terminal?: Pick<ConsoleIo, 'stdin' | 'stdout'>;
}

interface GlobalFlags {
  server?: string;
  token?: string;
  tokenFile?: string;
  config?: string;
}

type List<T> = { items: T[]; nextCursor?: string | null };

const outputOption = () => new Option('-o, --output <format>', `output format: ${OUTPUT_FORMATS.join(', ')}`).default('table');

/** `-l a=b,c -l d=e` -> ['a=b', 'c', 'd=e'] (the API's `label` selectors). */
function selectors(values: readonly string[]): string[] {
  return values.flatMap((value) => value.split(',')).map((item) => item.trim()).filter(Boolean);
}

/** Builds the program; every command resolves to an exit code instead of exiting. */
export function buildProgram(io: CliIo, done: (code: ExitCode) => void): Command {
  const program = new Command('vnfctl')
    .description('Drive vnfm from the shell: VNFs, their domains, events, host devices.')
    .version('0.1.0')
    .option('--server <url>', 'vnfm URL (else $VNFM_URL, ~/.config/vnfm/config.yaml, http://127.0.0.1:8080)')
    .option('--token <token>', 'bearer token (else $VNFM_TOKEN, the config file, the local admin.token)')
    .option('--token-file <path>', 'read the bearer token from this file')
    .option('--config <path>', 'config file (default ~/.config/vnfm/config.yaml)')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });

  const client = () => new VnfmClient(resolveTarget({ flags: program.opts<GlobalFlags>(), env: io.env }));
  const action =
    <A extends unknown[]>(run: (...args: A) => Promise<ExitCode | void>) =>
    async (...args: A) =>
      done((await run(...args)) ?? EXIT.ok);

  async function listAll(api: VnfmClient, labels: string[]): Promise<VnfView[]> {
    const items: VnfView[] = [];
    let cursor: string | null | undefined;
    do {
      const query = new URLSearchParams(labels.map((label): [string, string] => ['label', label]));
      if (cursor) query.set('cursor', cursor);
      const page = (await api.call<List<VnfView>>('GET', `vnfs${query.size > 0 ? `?${query}` : ''}`)).body;
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return items;
  }

  program
    .command('get')
    .description('list VNFs (or one), like kubectl get')
    .argument('[name]', 'one VNF')
    .option('-l, --selector <key=value>', 'only VNFs with these labels (repeatable, comma-separated)', (value: string, all: string[]) => [...all, value], [] as string[])
    .option('-w, --watch', 'after listing, print every change as it happens (Ctrl-C ends)')
    .addOption(outputOption())
    .action(
      action(async (name: string | undefined, options: { selector: string[]; watch?: boolean; output: string }) => {
        const format = outputFormat(options.output);
        const api = client();
        const labels = selectors(options.selector);
        const vnfs = name ? [(await api.call<VnfView>('GET', `vnfs/${encodeURIComponent(name)}`)).body] : await listAll(api, labels);
        const value = name ? vnfs[0] : { items: vnfs };
        io.out(render(format, value, () => (vnfs.length === 0 ? 'No VNFs found.\n' : table(VNF_COLUMNS, vnfs.map(vnfRow))), () => vnfs.map((vnf) => vnf.name)));
        if (!options.watch) return;
        const query = new URLSearchParams(labels.map((label): [string, string] => ['label', label]));
        const controller = new AbortController();
        io.signal?.addEventListener('abort', () => controller.abort());
        await follow(
          api,
          query,
          (event) => {
            if (event.type === 'BOOKMARK') return;
            if (event.type === 'RESYNC') {
              void listAll(api, labels).then((again) => io.out(render(format, { items: again }, () => table(VNF_COLUMNS, again.map(vnfRow)), () => again.map((vnf) => vnf.name))));
              return;
            }
            if (name && event.data.name !== name) return;
            if (format === 'json') io.out(`${JSON.stringify(event.data)}\n`);
            else if (format === 'yaml') io.out(`---\n${stringify(event.data)}`);
            else if (format === 'name') io.out(`${event.data.name}\n`);
            else if (event.data.object) io.out(table(VNF_COLUMNS, [vnfRow(event.data.object as VnfView)]).split('\n')[1] + '\n');
            else io.out(`${event.data.name}  Deleted\n`);
          },
          controller.signal,
        );
      }),
    );

  program
    .command('describe')
    .description('one VNF in full: spec, status, devices, recent events')
    .argument('<name>')
    .addOption(outputOption())
    .action(
      action(async (name: string, options: { output: string }) => {
        const format = outputFormat(options.output);
        const api = client();
        const vnf = (await api.call<VnfView & { id: string; spec: unknown }>('GET', `vnfs/${encodeURIComponent(name)}`)).body;
        const events = (await api.call<List<{ at: string; type: string; message: string }>>('GET', `vnfs/${encodeURIComponent(name)}/events`)).body.items;
        io.out(render(format, { vnf, events }, () => describeText(vnf, events)));
      }),
    );

  program
    .command('apply')
    .description('create or replace VNFs from YAML or JSON files (PUT /vnfs/{name})')
    .requiredOption('-f, --filename <path>', 'a file or folder (repeatable)', (value: string, all: string[]) => [...all, value], [] as string[])
    .addOption(outputOption())
    .action(
      action(async (options: { filename: string[]; output: string }) => {
        const format = outputFormat(options.output);
        const api = client();
        const applied: VnfView[] = [];
        for (const manifest of readManifests(options.filename)) {
          const before = await api.call<VnfView>('GET', `vnfs/${encodeURIComponent(manifest.name)}`).then(
            (answer) => answer.body,
            (error: unknown) => {
              if (error instanceof ApiError && error.status === 404) return null;
              throw error;
            },
          );
          const answer = await api.call<VnfView>('PUT', `vnfs/${encodeURIComponent(manifest.name)}`, { body: manifest.body });
          applied.push(answer.body);
          const verb = answer.status === 201 ? 'created' : before && before.status.generation === answer.body.status.generation ? 'unchanged' : 'configured';
          if (format === 'table') io.out(`vnf/${manifest.name} ${verb}\n`);
        }
        if (format !== 'table') io.out(render(format, applied.length === 1 ? applied[0] : { items: applied }, () => '', () => applied.map((vnf) => vnf.name)));
      }),
    );

  program
    .command('diff')
    .description('unified diff of each VNF\'s domain XML now vs what the file would produce (exit 1: differences)')
    .requiredOption('-f, --filename <path>', 'a file or folder (repeatable)', (value: string, all: string[]) => [...all, value], [] as string[])
    .action(
      action(async (options: { filename: string[] }) => {
        const api = client();
        let differs = false;
        for (const manifest of readManifests(options.filename)) {
          const path = `vnfs/${encodeURIComponent(manifest.name)}`;
          const now = await api.call<string>('GET', `${path}/domain.xml`, { accept: 'application/xml' }).then(
            (answer) => answer.body,
            (error: unknown) => {
              if (error instanceof ApiError && error.status === 404) return '';
              throw error;
            },
          );
          const would = (await api.call<{ domainXml: string }>('PUT', `${path}?dryRun=true`, { body: manifest.body })).body.domainXml;
          const diff = unifiedDiff(now, would, { from: `vnf/${manifest.name} (now)`, to: `vnf/${manifest.name} (${manifest.source})` });
          if (diff !== '') {
            differs = true;
            io.out(diff);
          }
        }
        return differs ? EXIT.differences : EXIT.ok;
      }),
    );

  program
    .command('delete')
    .description('delete a VNF: its domain, then its row and devices')
    .argument('<name>')
    .option('--if-match <etag>', 'only if the VNF is still at this ETag')
    .addOption(outputOption())
    .action(
      action(async (name: string, options: { ifMatch?: string; output: string }) => {
        const format = outputFormat(options.output);
        const answer = await client().call<VnfView>('DELETE', `vnfs/${encodeURIComponent(name)}`, options.ifMatch ? { headers: { 'if-match': options.ifMatch } } : {});
        io.out(render(format, answer.body, () => `vnf/${name} deleted\n`, () => [name]));
      }),
    );

  for (const [verb, done_] of [
    ['start', 'started'],
    ['stop', 'stopped'],
    ['reboot', 'rebooted'],
  ] as const) {
    program
      .command(verb)
      .description(`${verb} a VNF (its desired power state${verb === 'reboot' ? ': a one-shot reboot' : ''})`)
      .argument('<name>')
      .addOption(outputOption())
      .action(
        action(async (name: string, options: { output: string }) => {
          const format = outputFormat(options.output);
          const answer = await client().call<VnfView>('POST', `vnfs/${encodeURIComponent(name)}/${verb}`);
          io.out(render(format, answer.body, () => `vnf/${name} ${done_} (phase ${answer.body.status.phase}, domain ${answer.body.status.domain.state})\n`, () => [name]));
        }),
      );
  }

  program
    .command('xml')
    .description('the domain XML vnfm defines for the VNF (--live: what libvirt runs; admin token)')
    .argument('<name>')
    .option('--live', "libvirt's live XML")
    .action(
      action(async (name: string, options: { live?: boolean }) => {
        const answer = await client().call<string>('GET', `vnfs/${encodeURIComponent(name)}/domain.xml${options.live ? '?live=true' : ''}`, { accept: 'application/xml' });
        io.out(answer.body.endsWith('\n') ? answer.body : `${answer.body}\n`);
      }),
    );

  program
    .command('events')
    .description('what happened to a VNF, oldest first')
    .argument('<name>')
    .addOption(outputOption())
    .action(
      action(async (name: string, options: { output: string }) => {
        const format = outputFormat(options.output);
        const events = (await client().call<List<{ at: string; type: string; message: string }>>('GET', `vnfs/${encodeURIComponent(name)}/events`)).body;
        io.out(render(format, events, () => table(['AT', 'TYPE', 'MESSAGE'], events.items.map((event) => [event.at, event.type, event.message]))));
      }),
    );

  program
    .command('devices')
    .description('host devices vnfm knows of, and whether each can be assigned')
    .addOption(outputOption())
    .action(
      action(async (options: { output: string }) => {
        const format = outputFormat(options.output);
        type Device = { kind: string; name: string; present: boolean; assignable: boolean; reason: string | null; heldBy: { vnf: string; slot: string | null } | null };
        const devices = (await client().call<List<Device>>('GET', 'host-devices')).body;
        io.out(
          render(
            format,
            devices,
            () =>
              table(
                ['KIND', 'NAME', 'PRESENT', 'ASSIGNABLE', 'HELD-BY', 'REASON'],
                devices.items.map((device) => [device.kind, device.name, device.present ? 'yes' : 'no', device.assignable ? 'yes' : 'no', device.heldBy?.vnf ?? '-', device.reason ?? '']),
              ),
            () => devices.items.map((device) => device.name),
          ),
        );
      }),
    );

  program
    .command('host')
    .description("the host's facts and preflight (admin token)")
    .addOption(outputOption())
    .action(
      action(async (options: { output: string }) => {
        const format = outputFormat(options.output);
        const host = (await client().call('GET', 'host')).body;
        io.out(render(format, host, () => stringify(host)));
      }),
    );

  program
    .command('reconcile')
    .description('run a full reconcile pass now and show what it did (admin token)')
    .addOption(outputOption())
    .action(
      action(async (options: { output: string }) => {
        const format = outputFormat(options.output);
        type Pass = { durationMs: number; vnfs: Array<{ name: string; actions: string[]; result: string; message?: string }>; orphans: unknown[] };
        const pass = (await client().call<Pass>('POST', 'reconcile')).body;
        io.out(
          render(format, pass, () =>
            table(['VNF', 'RESULT', 'ACTIONS', 'MESSAGE'], pass.vnfs.map((vnf) => [vnf.name, vnf.result, vnf.actions.join(',') || '-', vnf.message ?? ''])) +
            `pass took ${pass.durationMs} ms; ${pass.orphans.length} orphan domain(s)\n`,
          ),
        );
      }),
    );

  program
    .command('console')
    .description("attach this terminal to a VNF's serial console (Ctrl-] detaches; piped stdin goes to the guest)")
    .argument('<name>')
    .option('--force', 'take the console over from whoever has it open')
    .option('--linger <seconds>', 'with a piped stdin: stay attached this long after it ends', '2')
    .action(
      action(async (name: string, options: { force?: boolean; linger: string }) => {
        const linger = Number(options.linger);
        if (!Number.isFinite(linger) || linger < 0) throw new CliError(EXIT.usage, `console: --linger '${options.linger}' is not a number of seconds`);
        if (!io.terminal) throw new CliError(EXIT.usage, 'console: no terminal to attach');
        return attachConsole(client(), name, { force: options.force === true }, { ...io.terminal, err: io.err, ...(io.signal ? { signal: io.signal } : {}), lingerMs: linger * 1000 });
      }),
    );

  program
    .command('completion')
    .description('print a shell completion script: source <(vnfctl completion bash)')
    .argument('[shell]', 'bash or zsh', 'bash')
    .action(
      action(async (shell: string) => {
        if (shell !== 'bash' && shell !== 'zsh') throw new CliError(EXIT.usage, `completion: '${shell}' is not bash or zsh`);
        io.out(shell === 'bash' ? bashCompletion() : zshCompletion());
      }),
    );

  return program;
}

function describeText(vnf: VnfView & { id: string; spec: unknown }, events: Array<{ at: string; type: string; message: string }>): string {
  const s = vnf.status;
  const indent = (text: string) => text.trimEnd().split('\n').map((line) => `  ${line}`).join('\n');
  const domain = s.domain as { state: string; id?: number | null; uuid?: string };
  return [
    `Name:              ${vnf.name}`,
    `Id:                ${vnf.id}`,
    `Phase:             ${s.phase}`,
    `Generation:        ${s.observedGeneration} observed of ${s.generation}`,
    `Domain:            ${domain.state}${domain.id != null && domain.id >= 0 ? ` (id ${domain.id})` : ''}`,
    `In sync:           ${s.inSync ? 'yes' : 'no'}`,
    `Restart required:  ${s.restartRequired ? 'yes' : 'no'}`,
    `Last error:        ${s.lastError ? `${s.lastError.code}: ${s.lastError.message}` : '<none>'}`,
    'Spec:',
    indent(stringify(vnf.spec)),
    'Devices:',
    s.devices.length === 0 ? '  <none>' : indent(table(['SLOT', 'KIND', 'NAME', 'RELEASING'], s.devices.map((device) => [device.slot ?? '-', device.kind, device.name, device.releasing ? 'yes' : 'no']))),
    'Events:',
    events.length === 0 ? '  <none>' : indent(table(['AT', 'TYPE', 'MESSAGE'], events.slice(-10).map((event) => [event.at, event.type, event.message]))),
    '',
  ].join('\n');
}

/** Runs vnfctl with `argv` (without node and the script); resolves to the exit code. */
export async function runVnfctl(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  let code: ExitCode = EXIT.ok;
  const program = buildProgram(io, (result) => {
    code = result;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help, --version: 0; unknown command, option or missing argument: usage.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof CliError) {
      io.err(`vnfctl: ${error.message}\n`);
      return error.exitCode;
    }
    io.err(`vnfctl: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.failed;
  }
}

export type { OutputFormat };
