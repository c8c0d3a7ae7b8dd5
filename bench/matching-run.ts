/**
 * The matching latency part of the benchmark alone (bench/matching.ts), for
 * measuring a matcher change without the whole `npm run bench`:
 *   node --import tsx bench/matching-run.ts
 * Prints the figures as JSON with the load average at start and end (the
 * reference machine is shared; the figures mean little without it).
 */
import os from 'node:os';
import { benchMatching } from './matching.js';

const load0 = os.loadavg();
const m = benchMatching();
process.stdout.write(`${JSON.stringify({ ...m, loadavg: { start: load0.map((x) => +x.toFixed(2)), end: os.loadavg().map((x) => +x.toFixed(2)) } })}\n`);
