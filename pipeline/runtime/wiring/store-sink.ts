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
  readonly onError: (error: Error) => void;
}): Promise<RunningSink> {
  const { log, serdes } = options.pipeline;
  const writer = new SinkWriter(options.store);
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
  });
  return {
    async close() {
      await consumer.close();
      await writer.close();
    },
  };
}
