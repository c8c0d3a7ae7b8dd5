/** Tiny argument parser: `--flag`, `--key value`, `--key=value`, positionals. */
export interface Args {
  positional: string[];
  flags: Record<string, string | true>;
}
export function parseArgs(argv: string[]): Args {
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      const [k, v] = a.slice(2).split('=', 2) as [string, string | undefined];
      if (v !== undefined) flags[k] = v;
      else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--') && !BOOLEAN.has(k)) flags[k] = argv[++i]!;
      else flags[k] = true;
    } else positional.push(a);
  }
  return { positional, flags };
}
const BOOLEAN = new Set(['strict', 'json', 'help', 'quiet', 'warnings', 'apply']);
