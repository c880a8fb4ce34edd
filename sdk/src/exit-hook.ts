/**
 * Node-only: deliver what open runs still hold when the process is about to exit on its own
 * (`beforeExit`: the event loop ran dry). Nothing can run after `process.exit()` or a fatal
 * signal; call `cairn.close()` (or `run.end()`) before those. In a browser this does nothing.
 */

export interface Flushable {
  /** Whether anything is buffered, in flight, or failed and not yet reported. */
  readonly hasPending: boolean;
  flush(): Promise<void>;
  readonly id: string;
}

const open = new Set<Flushable>();
let listening = false;

function report(run: Flushable, error: unknown) {
  const text = error instanceof Error ? error.toString() : String(error);
  console.error(`cairn: run ${run.id}: metrics could not be delivered before exit: ${text}`);
  // A training script that lost data must not look successful to whoever runs it.
  if (!globalThis.process.exitCode) globalThis.process.exitCode = 1;
}

function onBeforeExit() {
  for (const run of open) {
    // Flushing starts requests, which keep the loop alive; `beforeExit` fires again after them.
    if (run.hasPending) run.flush().catch((error: unknown) => report(run, error));
  }
}

export function watchOnExit(run: Flushable): void {
  open.add(run);
  const process = globalThis.process;
  if (!listening && typeof process?.on === 'function') {
    process.on('beforeExit', onBeforeExit);
    listening = true;
  }
}

export function unwatchOnExit(run: Flushable): void {
  open.delete(run);
  if (open.size === 0 && listening) {
    globalThis.process.off('beforeExit', onBeforeExit);
    listening = false;
  }
}
