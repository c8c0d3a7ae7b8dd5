/**
 * A Lotse server in a child process, started exactly as `npm start` starts
 * it (the Node flags are read from package.json's start script), on its own
 * temporary data directory, for the benchmarks that measure a real server.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface ServerProcess {
  /** http://127.0.0.1:<port> */
  url: string;
  child: ChildProcess;
  dataDir: string;
  /** Resident set size of the server process now, in MB. */
  rssMB(): number;
  /** SIGTERM, wait for the exit, remove the data directory. */
  stop(): Promise<void>;
}

function npmStartNodeFlags(): string[] {
  const start = (JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  // BENCH_NODE_FLAGS: more flags for a local run (e.g. --perf-basic-prof for `perf record`).
  const extra = (process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
  return [...start.split(/\s+/).filter((a) => a.startsWith('--')), ...extra];
}

export async function startServerProcess(name: string, env: Record<string, string>): Promise<ServerProcess> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `lotse-bench-${name}-`));
  // What npm start runs: the compiled dist/ (scripts/build.mjs), with its Node flags.
  execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'build.mjs')], { stdio: 'ignore' });
  const child = spawn(process.execPath, [...npmStartNodeFlags(), path.join(repoRoot, 'dist', 'cli', 'main.js'), 'serve'], {
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      CONTENT_ROOT: repoRoot,
      LOG_LEVEL: 'info',
      CONTENT_WATCH: 'false',
      TELEGRAM_BOT_TOKEN: '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let buf = '';
      child.stdout!.on('data', (d: Buffer) => {
        buf += d.toString();
        const m = /"url":"(http:\/\/[^"]+)"/.exec(buf);
        if (m) resolve(m[1]!.replace('localhost', '127.0.0.1'));
      });
      child.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
      setTimeout(() => reject(new Error('server did not start in 60 s')), 60_000).unref();
    });
    // Keep draining stdout so the child never blocks on a full pipe.
    child.stdout!.resume();
    const rssMB = () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) / 1024;
    return { url, child, dataDir, rssMB, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** `node --import tsx bench/<file>.ts` runs one benchmark alone: prints its result as JSON, exit 1 on failure. */
export function runAlone(moduleUrl: string, bench: () => Promise<unknown>): void {
  if (!process.argv[1] || path.resolve(process.argv[1]) !== fileURLToPath(moduleUrl)) return;
  bench().then(
    (r) => {
      process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
      process.exit(0);
    },
    (err) => {
      process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
}
