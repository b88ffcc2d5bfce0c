import type { RoleHealthReporter } from '../../../schemas/ports/role-health.js';
import type { Store } from '../../../schemas/ports/store.js';
import { startSinkConsumer } from '../../store/sink-consumer.js';
import { SinkWriter } from '../../store/sink-writer.js';
import type { Pipeline } from './build-pipeline.js';

export interface RunningSink {
  /** Stops consuming, writes what it holds, commits: a drain. */
  close(): Promise<void>;
}

/**
 * The store sink on a pipeline's log: bars, indicator values and alert events into the store, in the
 * consumer group `groupId` (several sink processes share the partitions).
 */
export async function startStoreSink(options: {
  readonly pipeline: Pick<Pipeline, 'log' | 'serdes'>;
  readonly store: Store;
  readonly groupId?: string;
  /** role `sink`: `waiting` while the store is retried, `down` while its consumer re-joins */
  readonly health?: RoleHealthReporter;
  readonly onWarning?: (message: string) => void;
  /** the sink gave up (a permanent error); a broker or database outage is ridden out instead */
  readonly onError: (error: Error) => void;
}): Promise<RunningSink> {
  const { log, serdes } = options.pipeline;
  const { health } = options;
  // while the writer retries, the sink keeps its group membership (heartbeats) and /ready shows it waiting
  const writer = new SinkWriter(options.store, {
    onRetry: (error, attempt) => {
      if (attempt === 1)
        options.onWarning?.(`store write failed (${String(error)}); retrying until it works`);
      health?.report('sink', { status: 'waiting', reason: `store: ${String(error)}`, since: Date.now() });
    },
    onRecovered: (attempts) => {
      options.onWarning?.(`store write went through after ${attempts} failed attempts`);
      health?.report('sink', { status: 'up' });
    },
  });
  const consumer = await startSinkConsumer({
    log,
    groupId: options.groupId ?? 'nexural-sink',
    writer,
    sources: [
      { kind: 'bars', serde: serdes.bars },
      { kind: 'indicatorValues', serde: serdes.indicators },
      { kind: 'alertEvents', serde: serdes.alerts },
    ],
    onError: options.onError,
    ...(health ? { health } : {}),
    ...(options.onWarning ? { onWarning: options.onWarning } : {}),
  });
  return {
    async close() {
      await consumer.close();
      await writer.close();
    },
  };
}
