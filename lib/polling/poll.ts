/** Options for `pollUntil`. */
export interface PollOptions {
  /** What is awaited, for the timeout message. */
  readonly description: string;
  /** Give up after this many milliseconds. */
  readonly timeoutMs: number;
  /**
   * Milliseconds between attempts.
   * @default 100
   */
  readonly intervalMs?: number;
  /**
   * Checked before each attempt: a message here ends the wait at once with that error (the process died, say).
   * @default never gives up early
   */
  readonly giveUpIf?: () => string | undefined;
}

/**
 * Calls `probe` until it returns a value other than undefined, or throws when the deadline passes.
 * Errors from `probe` count as "not yet"; the last one is quoted in the timeout error.
 */
export async function pollUntil<T>(probe: () => Promise<T | undefined>, options: PollOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let last = 'no answer yet';
  for (;;) {
    const fatal = options.giveUpIf?.();
    if (fatal !== undefined) {
      throw new Error(fatal);
    }
    try {
      const value = await probe();
      if (value !== undefined) {
        return value;
      }
      last = 'condition not met';
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.description} (last: ${last})`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
  }
}
