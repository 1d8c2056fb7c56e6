/**
 * The runtime's one safety net for an exit without a teardown (process.exit on Ctrl-C): a single 'exit' hook,
 * installed when the first thing is started rather than when a module is imported. It runs in a fixed order:
 * child processes are killed, then packet filters removed, then temp dirs deleted.
 */
export enum ExitCleanupStage {
  KILL_PROCESSES = 0,
  REMOVE_PACKET_FILTERS = 1,
  REMOVE_TEMP_DIRS = 2,
}

/** What one stage does with what is still live: an idempotent action per live thing. */
const stages = new Map<ExitCleanupStage, Set<() => void>>();
let installed = false;

/** Registers `cleanup` to run at exit, in its stage, until the returned function unregisters it. */
export function onExit(stage: ExitCleanupStage, cleanup: () => void): () => void {
  if (!installed) {
    installed = true;
    process.once('exit', runAll);
  }
  const set = stages.get(stage) ?? new Set();
  stages.set(stage, set);
  set.add(cleanup);
  return () => set.delete(cleanup);
}

function runAll(): void {
  for (const stage of [...stages.keys()].sort((a, b) => a - b)) {
    for (const cleanup of stages.get(stage) ?? []) {
      try {
        cleanup();
      } catch {
        // nothing more can be done while exiting
      }
    }
  }
}
