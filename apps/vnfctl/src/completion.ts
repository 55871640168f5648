/** Commands and the options each takes, for shell completion. */
export const COMMAND_OPTIONS: Record<string, string[]> = {
  get: ['-l', '--selector', '-w', '--watch', '-o', '--output'],
  describe: ['-o', '--output'],
  apply: ['-f', '--filename', '-o', '--output'],
  diff: ['-f', '--filename'],
  delete: ['--if-match', '-o', '--output'],
  start: ['-o', '--output'],
  stop: ['-o', '--output'],
  reboot: ['-o', '--output'],
  xml: ['--live'],
  events: ['-o', '--output'],
  devices: ['-o', '--output'],
  host: ['-o', '--output'],
  reconcile: ['-o', '--output'],
  console: ['--force', '--linger'],
  completion: [],
};

const GLOBAL = ['--server', '--token', '--token-file', '--config', '-h', '--help', '-V', '--version'];
const TAKES_NAME = ['get', 'describe', 'delete', 'start', 'stop', 'reboot', 'xml', 'events', 'console'];

/** A bash completion script (`source <(vnfctl completion bash)`); VNF names come from `vnfctl get -o name`. */
export function bashCompletion(): string {
  const cases = Object.entries(COMMAND_OPTIONS)
    .map(([command, options]) => `    ${command}) opts="${[...options, ...GLOBAL].join(' ')}" ;;`)
    .join('\n');
  return `# vnfctl bash completion: source <(vnfctl completion bash)
_vnfctl() {
  local cur prev command opts
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  command="\${COMP_WORDS[1]}"
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W "${Object.keys(COMMAND_OPTIONS).join(' ')}" -- "$cur") )
    return
  fi
  case "$prev" in
    -o|--output) COMPREPLY=( $(compgen -W "table json yaml name" -- "$cur") ); return ;;
    -f|--filename|--token-file|--config) COMPREPLY=( $(compgen -f -- "$cur") ); return ;;
  esac
  case "$command" in
${cases}
    *) opts="${GLOBAL.join(' ')}" ;;
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
  elif [[ " ${TAKES_NAME.join(' ')} " == *" $command "* ]]; then
    COMPREPLY=( $(compgen -W "$(vnfctl get -o name 2>/dev/null)" -- "$cur") )
  fi
}
complete -F _vnfctl vnfctl
`;
}

/** zsh: the bash script through bashcompinit. */
export function zshCompletion(): string {
  return `# vnfctl zsh completion: source <(vnfctl completion zsh)\nautoload -U +X bashcompinit && bashcompinit\n${bashCompletion()}`;
}
