// Worker thread that trains the learned models of one content snapshot
// (learned.ts) off the server's main thread, so that a content reload never
// stops the bot from answering for the seconds training takes.
//
// Plain JavaScript on purpose: a worker does not inherit tsx's loader. From
// dist/ (npm start) it imports the compiled learned.js; from a checkout run
// through tsx (the CLI, the tests) it registers tsx first, in this thread only.
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

const compiled = new URL('./learned.js', import.meta.url);
let learned;
if (fs.existsSync(compiled)) learned = await import(compiled.href);
else {
  const { register } = await import('tsx/esm/api');
  register();
  learned = await import(new URL('./learned.ts', import.meta.url).href);
}
try {
  const { data } = learned.train(workerData.pack);
  const n = data.neighbours;
  const buffers = [data.topics, data.language, data.distress, data.other]
    .filter(Boolean)
    .flatMap((m) => [m.hashes, m.idf, m.offsets, m.cls, m.w, m.bias])
    .concat([n.offsets, n.samples, n.weights, n.labels])
    .map((a) => a.buffer);
  // Transferred, not copied: the weights move to the main thread as they are.
  parentPort.postMessage({ ok: true, data }, buffers);
} catch (err) {
  parentPort.postMessage({ ok: false, message: err instanceof Error ? err.message : String(err) });
}
