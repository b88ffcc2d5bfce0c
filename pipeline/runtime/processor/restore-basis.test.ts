import { afterEach, describe, expect, it } from 'vitest';
import { createEmbeddedLog } from '../log/embedded-log.js';
import { marketEngineCheckpoints } from './engine-checkpoints.js';
import { encodeProgress, progressKey } from './partition-checkpoint.js';
import { restorePartition } from './restore-partition.js';
import { openTableReader } from './table-reader.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const SOURCE = { topic: 'restore-basis.trades', partition: 0 };
const STATE = 'restore-basis.state';
const GROUP = 'restore-basis.group';

/** The group's committed offset and the state topic's progress record of SOURCE, as a restore finds them. */
async function restoreWith(committed: string, progressAt: string) {
  const log = createEmbeddedLog();
  cleanups.push(() => log.close());
  await log.admin.createTopics([
    { name: SOURCE.topic, partitions: 1, compacted: false },
    { name: STATE, partitions: 1, compacted: true },
  ]);
  const consumer = await log.consume({
    groupId: GROUP,
    topics: [SOURCE.topic],
    commit: 'manual',
    handler: async () => {},
  });
  await consumer.commit([{ ...SOURCE, offset: committed }]);
  await consumer.close();
  const producer = await log.createProducer();
  await producer.send([
    {
      topic: STATE,
      key: progressKey(SOURCE),
      value: encodeProgress({ version: 1, nextOffset: progressAt, checkpointOffset: null }),
      partition: 0,
    },
  ]);
  const tables = await openTableReader({ log, topics: [STATE], groupPrefix: 'restore-basis' });
  cleanups.push(() => tables.close());
  const warnings: string[] = [];
  const restored = await restorePartition({
    log,
    tables,
    source: SOURCE,
    groupId: GROUP,
    stableOffsets: false,
    stateTopic: STATE,
    stateWaitMs: 5_000,
    task: {
      source: SOURCE,
      engine: { bars: { intervals: ['1s'] }, indicators: [] },
      checkpoints: marketEngineCheckpoints,
      duplicatesPerSymbol: 1000,
    },
    rules: new Map(),
    warn: (message) => warnings.push(message),
  });
  return { restored, warnings };
}

describe('what a restore is based on', () => {
  it('names the committed offset, the progress record and the silent range', async () => {
    const { restored, warnings } = await restoreWith('7', '7');
    expect(warnings).toEqual([]);
    expect(restored.resume.silentUntil).toBe(7n);
    expect(restored.basis).toBe(
      'committed offset 7, progress record at 7, no checkpoint: from the start at 0, silent until 7',
    );
  });

  it('warns when the progress record is past the committed offset: its offsets did not commit with it', async () => {
    const { restored, warnings } = await restoreWith('7', '12');
    expect(restored.resume.silentUntil).toBe(12n);
    expect(warnings).toEqual([
      `${SOURCE.topic}/0: the progress record in "${STATE}" is at offset 12, past the group's committed offset 7; re-processing silently up to 12`,
    ]);
    expect(restored.basis).toContain('committed offset 7, progress record at 12');
  });
});
