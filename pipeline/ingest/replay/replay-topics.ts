import { NexuralError } from '../../../schemas/errors.js';
import type { StreamLog } from '../../../schemas/ports/stream-log.js';
import { topicNames } from '../../../schemas/topics.js';

/** Every derived topic of a run starts with this (see `topicNames(run)`). */
export const runPrefix = (run: string): string => `${topicNames(run).bars.slice(0, -'bars'.length)}`;

/** The consumer group of a run's processor (its committed offsets say how far the run got). */
export const replayGroup = (run: string): string => `nexural-replay.${run}`;

/** Input topics shared by replays with the same content: a slice of the raw topic, a rules snapshot. */
export const SHARED_PREFIX = 'nexural.replay.';
export const sliceTopic = (hash: string): string => `${SHARED_PREFIX}slice.${hash}`;
export const rulesTopic = (hash: string): string => `${SHARED_PREFIX}rules.${hash}`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Creates a shared input topic afresh: one left by an interrupted replay (never marked complete) is
 * deleted first, so no replay reads half a slice. Kafka deletes asynchronously: wait until it is gone.
 */
export async function ensureShared(log: StreamLog, name: string, partitions: number): Promise<void> {
  const exists = async () => (await log.admin.listTopics()).some((topic) => topic.name === name);
  if (await exists()) {
    await log.admin.deleteTopics([name]);
    const deadline = Date.now() + 60_000;
    while (await exists()) {
      if (Date.now() > deadline) {
        throw new NexuralError('NXR_TIMEOUT', `topic "${name}" was not deleted within 60 s`, { topic: name });
      }
      await sleep(200);
    }
  }
  for (let attempt = 0; ; attempt++) {
    try {
      await log.admin.createTopics([{ name, partitions, compacted: false }]);
      return;
    } catch (error) {
      // a broker may still be finishing the deletion of the same name
      if (attempt >= 20) throw error;
      await sleep(500);
    }
  }
}
