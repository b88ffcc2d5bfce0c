import type { ConsumerRunStats, RunningConsumer } from './consumer-runtime.js';

export interface RestartPolicy {
  /** wait before the first restart; doubles per failure in a row */
  readonly initialMs: number;
  /** the longest wait between two restarts */
  readonly maxMs: number;
}

export interface SupervisorEvents {
  /** the consumer stopped on `error`; it starts again in `restartInMs` */
  onStopped(error: Error, restartInMs: number): void;
  onRestarted(attempt: number): void;
}

const emptyStats = (): ConsumerRunStats => ({ handled: 0, deadLettered: 0, lag: new Map() });

/**
 * Keeps a consumer running in a long-lived process: when it stops on an error it cannot get past (Discord,
 * the database or the broker unreachable), it is closed and started again after a backoff, resuming from
 * its group's committed offsets, so the effects after the last commit run again and the ledger repeats none.
 * A start that fails counts as a failure too. Failures in a row double the wait up to `maxMs`; a consumer
 * that stayed up for `maxMs` starts over at `initialMs`.
 */
export async function superviseConsumer(
  start: (onError: (error: Error) => void) => Promise<RunningConsumer>,
  policy: RestartPolicy,
  events: SupervisorEvents,
  clock: { now(): number } = Date,
): Promise<RunningConsumer> {
  let closed = false;
  let paused = false;
  let failuresInRow = 0;
  let upSince = clock.now();
  let wake: (() => void) | null = null;
  let cycle: Promise<void> = Promise.resolve();
  let current: RunningConsumer | null = null;

  const failed = (instance: RunningConsumer | null, error: Error) => {
    if (closed || instance !== current) return;
    if (clock.now() - upSince >= policy.maxMs) failuresInRow = 0;
    const waitMs = Math.min(policy.maxMs, policy.initialMs * 2 ** failuresInRow);
    failuresInRow += 1;
    current = null;
    events.onStopped(error, waitMs);
    cycle = cycle.then(async () => {
      await instance?.close().catch(() => undefined);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
      if (closed) return;
      await launch().then(
        () => events.onRestarted(failuresInRow),
        (startError: unknown) => failed(null, asError(startError)),
      );
    });
  };

  const launch = async (): Promise<RunningConsumer> => {
    const early: { error: Error | null; instance: RunningConsumer | null } = { error: null, instance: null };
    const instance = await start((error) => {
      if (early.instance === null) early.error = error;
      else failed(early.instance, error);
    });
    early.instance = instance;
    current = instance;
    upSince = clock.now();
    if (paused) instance.pause();
    if (early.error) failed(instance, early.error);
    return instance;
  };

  const first = await launch();
  return {
    name: first.name,
    groupId: first.groupId,
    get stats() {
      return current?.stats ?? emptyStats();
    },
    pause() {
      paused = true;
      current?.pause();
    },
    resume() {
      paused = false;
      current?.resume();
    },
    async close() {
      closed = true;
      wake?.();
      await cycle;
      await current?.close();
      current = null;
    },
  };
}

const asError = (error: unknown) => (error instanceof Error ? error : new Error(String(error)));
