/**
 * Loading a content snapshot leaves tens of megabytes of garbage (the parsed
 * YAML, the model cache file, training buffers). V8 gives it back to the
 * system on its own only after some seconds of idle time; a server that is
 * measured, or that shares a small machine, should not look 50 MB larger
 * than it is until then. When Node runs with --expose-gc (npm start does),
 * one full collection right after a load returns it at once.
 */

/** Runs a full garbage collection when the process allows it; a no-op otherwise. */
export function releaseGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/**
 * releaseGarbage() now and once more when start-up work that runs after
 * listening (stores' first sweeps, the web chat bundle read on the first
 * request) has settled.
 */
export function releaseGarbageSoon(ms = 3000): void {
  releaseGarbage();
  setTimeout(releaseGarbage, ms).unref();
}
