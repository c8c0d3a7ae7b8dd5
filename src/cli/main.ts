/**
 * `lotse <command>`: serve, chat, match, eval, validate, examples.
 * Every command reads the content pack from --root (default: the current
 * directory; the server reads CONTENT_ROOT).
 */
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { parseArgs } from './args.js';
import { compilePack } from '../content/compile.js';
import { compileContent, type CompiledContent } from '../content/served.js';
import { formatProblem } from '../content/problems.js';
import { FileSource } from '../content/source.js';
import { runEngine } from '../engine/engine.js';
import type { InEvent, Reply } from '../engine/messages.js';
import { commandOf, payload } from '../engine/payload.js';
import { newSession } from '../engine/session.js';
import { evaluate, formatEval, type EvalItem } from './eval.js';

const HELP = `lotse — multilingual information chatbot for newcomers

Usage: lotse <command> [options]     (every command takes --root DIR, default .)

  serve                      start the server (configuration from environment, see .env.example)
  chat [--lang xx]           chat with the bot in this terminal; type a number to press a button
  match                      JSON lines {"text","lang"?} on stdin -> one match result per line
  eval FILE.jsonl [--errors] [--hint]  top-1 per language and kind, Latin script, top-3, distress recall, false alarms, out-of-scope
  validate [--strict]        check every content file and cross-reference (exit 1 on errors)
  examples                   every example phrasing as JSON lines {"topic","lang","text"}
  render-audio [--lang xx]   render the sample episodes with espeak-ng + lame (Debian packages)
  content export DIR [--version N]
                             write the store's content (DATA_DIR, CONTENT_SOURCE=store) to DIR's content/, flows/, locales/
  content import DIR [--apply --why TEXT]
                             show what DIR would change (a diff and the validator's problems); --apply publishes it
  staff add --email E --name N [--role admin|editor|translator|caseworker] [--languages ar,fa] [--topics hearing,services]
                             create a staff account in DATA_DIR's store (the first one: --role admin);
                             the password is read from LOTSE_STAFF_PASSWORD or generated and printed once
  staff reset-password --email E
                             set a temporary password (LOTSE_STAFF_PASSWORD or generated, printed once),
                             end the account's sessions; it must choose its own at the next sign-in
`;

function root(flags: Record<string, string | true>): string {
  return path.resolve(typeof flags.root === 'string' ? flags.root : (process.env.CONTENT_ROOT ?? '.'));
}

function load(dir: string): CompiledContent {
  const source = new FileSource(dir);
  const { pack, problems } = compilePack(source.readSync());
  if (!pack) {
    process.stderr.write(
      problems
        .filter((p) => p.severity === 'error')
        .map(formatProblem)
        .join('\n') + '\n',
    );
    process.stderr.write(`\nThe content pack in ${dir} has errors; run \`lotse validate --root ${dir}\`.\n`);
    process.exit(1);
  }
  return compileContent(pack, source.assetRoot());
}

async function readLines(onLine: (line: string) => void): Promise<void> {
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of rl) onLine(line);
}

/**
 * Settings from a `.env` file in the current directory (or LOTSE_ENV_FILE), as the README and
 * .env.example promise. Variables already set in the environment win, so a deployment's own
 * environment (Docker, systemd) overrides the file. A malformed file stops with its name.
 */
function loadEnvFile(): void {
  const file = path.resolve(process.env.LOTSE_ENV_FILE ?? '.env');
  if (!fs.existsSync(file)) {
    if (process.env.LOTSE_ENV_FILE) throw new Error(`LOTSE_ENV_FILE: ${file} does not exist`);
    return;
  }
  try {
    process.loadEnvFile(file);
  } catch (err) {
    throw new Error(`${file}: could not be read as KEY=value lines (${(err as Error).message})`);
  }
}

async function main(argv: string[]): Promise<number> {
  const { positional, flags } = parseArgs(argv);
  const cmd = positional[0];
  loadEnvFile();
  if (!cmd || flags.help || cmd === 'help') {
    process.stdout.write(HELP);
    return cmd ? 0 : 1;
  }
  switch (cmd) {
    case 'validate': {
      const dir = root(flags);
      const source = new FileSource(dir);
      const { pack, problems } = compilePack(source.readSync(), {
        strict: Boolean(flags.strict),
        today: new Date().toISOString().slice(0, 10),
        checkedMaxDays: typeof flags['max-age-days'] === 'string' ? Number(flags['max-age-days']) : undefined,
      });
      const errors = problems.filter((p) => p.severity === 'error');
      const warnings = problems.filter((p) => p.severity === 'warning');
      for (const p of [...errors, ...warnings]) process.stdout.write(formatProblem(p) + '\n');
      if (errors.length) {
        process.stdout.write(`\n${errors.length} error(s), ${warnings.length} warning(s) in ${dir}\n`);
        return 1;
      }
      const examples = pack!.services ? Object.values(pack!.services).filter((s) => s.example).length : 0;
      process.stdout.write(
        `OK: content version ${pack!.version}: ${pack!.languages.length} languages (${pack!.languages.map((l) => l.code).join(', ')}), ` +
          `${Object.keys(pack!.topics).length} topics, ${Object.keys(pack!.flows).length} flows, ${Object.keys(pack!.services).length} services` +
          `${examples ? ` (${examples} example entries: \`--strict\` fails until they are replaced)` : ''}, ${Object.keys(pack!.episodes).length} episodes; ${warnings.length} warning(s)\n`,
      );
      return 0;
    }
    case 'examples': {
      const c = load(root(flags));
      for (const [lang, topics] of Object.entries(c.pack.topicTexts))
        for (const [topic, t] of Object.entries(topics)) for (const text of t.examples) process.stdout.write(JSON.stringify({ topic, lang, text }) + '\n');
      return 0;
    }
    case 'match': {
      const c = load(root(flags));
      await readLines((line) => {
        if (!line.trim()) return;
        let input: { text?: unknown; lang?: unknown };
        try {
          input = JSON.parse(line);
        } catch {
          process.stdout.write(JSON.stringify({ error: 'not a JSON line' }) + '\n');
          return;
        }
        if (typeof input.text !== 'string') {
          process.stdout.write(JSON.stringify({ error: 'missing "text"' }) + '\n');
          return;
        }
        const lang = typeof input.lang === 'string' ? c.resolveLanguage(input.lang) : undefined;
        const m = c.nlu.match(input.text, lang);
        process.stdout.write(
          JSON.stringify({
            topic: m.topic,
            score: round(m.score),
            lang: m.lang,
            alternatives: m.alternatives.map((a) => ({ topic: a.topic, score: round(a.score) })),
            distress: m.distress,
            ...(m.distressLevel ? { distressLevel: m.distressLevel } : {}),
          }) + '\n',
        );
      });
      return 0;
    }
    case 'eval': {
      const file = positional[1];
      if (!file) {
        process.stderr.write('usage: lotse eval FILE.jsonl\n');
        return 2;
      }
      const c = load(root(flags));
      const items: EvalItem[] = fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as EvalItem);
      // As the maintainers measure: no language hint, unless --hint passes each line's lang as the session's.
      const r = evaluate(c, items, { hint: Boolean(flags.hint) });
      process.stdout.write(formatEval(r, Boolean(flags.errors)) + '\n');
      if (flags.json) process.stdout.write(JSON.stringify(r.summary) + '\n');
      return 0;
    }
    case 'render-audio': {
      const { renderAudio } = await import('../podcasts/render.js');
      renderAudio(root(flags), { only: typeof flags.lang === 'string' ? flags.lang : undefined, log: (l) => process.stdout.write(l + '\n') });
      return 0;
    }
    case 'content': {
      const { contentCommand } = await import('./content.js');
      return contentCommand(positional[1], positional[2], flags);
    }
    case 'staff': {
      if (positional[1] === 'reset-password') {
        const { resetStaffPassword } = await import('./staff.js');
        return resetStaffPassword(flags, positional.slice(2));
      }
      if (positional[1] !== 'add') {
        process.stderr.write(
          'usage: lotse staff add --email E --name N [--role admin|editor|translator|caseworker] [--languages ar,fa] [--topics hearing]\n       lotse staff reset-password --email E\n',
        );
        return 2;
      }
      const { addStaff } = await import('./staff.js');
      return addStaff(flags);
    }
    case 'chat':
      return chat(load(root(flags)), typeof flags.lang === 'string' ? flags.lang : undefined);
    case 'serve': {
      const { guardProcess, startServer } = await import('../server/main.js');
      const { ConfigError } = await import('../config/config.js');
      try {
        const running = await startServer();
        const stop = () => void running.stop().then(() => process.exit(0));
        guardProcess(running.ctx.log, () => running.stop());
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
        return -1; // keep running
      } catch (err) {
        if (err instanceof ConfigError || (err instanceof Error && err.name === 'ContentError')) {
          process.stderr.write(`${err.message}\n`);
          return 1;
        }
        throw err;
      }
    }
    default:
      process.stderr.write(`unknown command "${cmd}"\n\n${HELP}`);
      return 2;
  }
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** Renders a reply for a terminal, numbering the buttons. */
export function renderForTerminal(reply: Reply): string {
  const lines: string[] = [];
  for (const m of reply.messages) {
    if (m.kind === 'text') lines.push(m.text.replace(/\*\*(.+?)\*\*/g, '$1').replace(/\*(.+?)\*/g, '$1'));
    else if (m.kind === 'audio') lines.push(`🎧 ${m.title} (${m.lang}) — ${m.url}`);
    else lines.push(...(m.text ? [m.text] : []), ...m.links.map((l) => `🔗 ${l.label}: ${l.url}`));
  }
  const buttons = reply.messages.flatMap((m) => m.buttons ?? []);
  if (buttons.length) lines.push(buttons.map((b, i) => `[${i + 1}] ${b.label}`).join('  '));
  return lines.map((l) => `bot> ${l.replace(/\n/g, '\n     ')}`).join('\n');
}

async function chat(c: CompiledContent, lang?: string): Promise<number> {
  let session = newSession();
  let buttons: { payload: string }[] = [];
  const step = (event: InEvent) => {
    const out = runEngine(c, session, event, { now: Date.now() });
    session = out.session;
    buttons = out.reply.messages.flatMap((m) => m.buttons ?? []);
    process.stdout.write(renderForTerminal(out.reply) + '\n');
    for (const e of out.effects) if (e.type === 'handoff') process.stdout.write(`     (a caseworker would now be asked to join: ${e.reason}, ${e.priority})\n`);
  };
  step({ kind: 'start', langHint: lang });
  const code = c.resolveLanguage(lang);
  if (lang && code) step({ kind: 'button', payload: payload.lang(code) });
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  const ask = () => process.stdin.isTTY && rl.setPrompt('you> ');
  ask();
  if (process.stdin.isTTY) rl.prompt();
  for await (const line of rl) {
    const text = line.trim();
    if (!process.stdin.isTTY) process.stdout.write(`you> ${text}\n`);
    if (text === '/quit' || text === '/exit') break;
    const n = /^\d{1,2}$/.test(text) ? Number(text) : NaN;
    const slash = commandOf(text);
    if (n >= 1 && n <= buttons.length) step({ kind: 'button', payload: buttons[n - 1]!.payload });
    else if (slash) step(slash.kind === 'start' ? { kind: 'start', langHint: lang } : slash);
    else if (text) step({ kind: 'text', text });
    if (process.stdin.isTTY) rl.prompt();
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
