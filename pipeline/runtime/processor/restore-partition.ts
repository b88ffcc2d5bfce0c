import { isNexuralError } from '../../../schemas/errors.js';
import type { StreamLog, TopicPartition } from '../../../schemas/ports/stream-log.js';
import { readCheckpoint } from './checkpoint-chunks.js';
import type { Resume } from './owned-partition.js';
import {
  decodeProgress,
  type PartitionCheckpoint,
  type PartitionProgress,
  progressKey,
} from './partition-checkpoint.js';
import { PartitionTask, type PartitionTaskOptions } from './partition-task.js';
import type { TableReader } from './table-reader.js';

export interface RestoreOptions {
  readonly log: StreamLog;
  readonly tables: TableReader;
  readonly source: TopicPartition;
  readonly groupId: string;
  /**
   * Read the group's committed offset only once no transaction holding one of the partition is open (shared
   * transactions: no transactional id of the partition's was taken over to end the previous owner's).
   */
  readonly stableOffsets: boolean;
  readonly stateTopic: string;
  readonly stateWaitMs: number;
  readonly task: PartitionTaskOptions;
  /** the rules right now: a partition rebuilt without a checkpoint replays under them */
  readonly rules: ReadonlyMap<string, unknown>;
  readonly warn: (message: string) => void;
}

export interface RestoredPartition {
  readonly task: PartitionTask;
  readonly resume: Resume;
  /** where the consumer must read from (null: the group's committed offset, or the start) */
  readonly seekTo: string | null;
  /** what the restore was based on, for a warning: the committed offset, progress record, checkpoint, silent range */
  readonly basis: string;
}

/**
 * Rebuilds an assigned partition as of the group's committed offset C: the latest checkpoint (offset S ≤ C)
 * is restored and [S, C) is re-processed silently. The progress record written with C says which S that
 * is, so the partition waits until the state topic has been read that far.
 */
export async function restorePartition(options: RestoreOptions): Promise<RestoredPartition> {
  const { log, tables, source, stateTopic } = options;
  const where = `${source.topic}/${source.partition}`;
  const committed = (
    await log.admin.committedOffsets(options.groupId, source.topic, { stable: options.stableOffsets })
  ).find((entry) => entry.partition === source.partition)?.offset;
  if (committed === null || committed === undefined) {
    // nothing processed before: from the log's start (where `earliest` would begin), known before a record
    const low = await logStart(options);
    return {
      task: PartitionTask.create(options.task),
      resume: { nextOffset: BigInt(low), silentUntil: 0n, checkpointOffset: null, fresh: true },
      seekTo: low,
      basis: `no committed offset, from the start at ${low}`,
    };
  }
  const progressOf = (): PartitionProgress | null => {
    const bytes = tables.get(stateTopic, progressKey(source));
    return bytes ? decodeProgress(bytes, where) : null;
  };
  let progress: PartitionProgress | null = null;
  try {
    // ≥: the group's offsets may trail the state topic by a commit; an exact match could wait forever
    await tables.waitFor(
      () => BigInt(progressOf()?.nextOffset ?? -1) >= BigInt(committed),
      `the progress record of ${where} at offset ${committed} in "${stateTopic}"`,
      options.stateWaitMs,
    );
    progress = progressOf();
  } catch (error) {
    options.warn(`${String(error)}; rebuilding ${where} from the start of the log`);
  }
  // outputs up to the newer of the two are in the log already: re-processing stays silent until there
  const silentUntil =
    progress === null ? BigInt(committed) : maxOf(BigInt(committed), BigInt(progress.nextOffset));
  const read = `committed offset ${committed}, progress record at ${progress?.nextOffset ?? 'none'}`;
  if (progress !== null && BigInt(progress.nextOffset) > BigInt(committed)) {
    // one transaction writes both: a progress record past the offset is one whose offsets did not commit
    options.warn(
      `${where}: the progress record in "${stateTopic}" is at offset ${progress.nextOffset}, past the group's committed offset ${committed}; re-processing silently up to ${progress.nextOffset}`,
    );
  }
  const checkpointOffset = progress?.checkpointOffset ?? null;
  if (checkpointOffset === null) return replayFromStart(options, silentUntil, read);
  const found: { checkpoint: PartitionCheckpoint | null } = { checkpoint: null };
  await tables.waitFor(
    () => {
      found.checkpoint = readCheckpoint((key) => tables.get(stateTopic, key), source, checkpointOffset);
      return found.checkpoint !== null;
    },
    `the checkpoint of ${where} at offset ${checkpointOffset}`,
    options.stateWaitMs,
  );
  const checkpoint = found.checkpoint;
  if (checkpoint === null) return replayFromStart(options, silentUntil, read);
  let task: PartitionTask;
  try {
    task = PartitionTask.restore(options.task, checkpoint);
  } catch (error) {
    // typically the engine config changed since the checkpoint: its state has to be rebuilt from the records
    if (!isNexuralError(error) || error.code !== 'NXR_CONFIG_INVALID') throw error;
    options.warn(
      `${where}: checkpoint at offset ${checkpoint.nextOffset} not restorable (${error.message}); rebuilding from the start of the log`,
    );
    return replayFromStart(options, silentUntil, read);
  }
  return {
    task,
    resume: {
      nextOffset: BigInt(checkpoint.nextOffset),
      silentUntil,
      checkpointOffset: checkpoint.nextOffset,
    },
    seekTo: checkpoint.nextOffset,
    basis: `${read}, checkpoint at ${checkpoint.nextOffset}, silent until ${silentUntil}`,
  };
}

const maxOf = (a: bigint, b: bigint): bigint => (a > b ? a : b);

/** The partition's first offset still in the log. */
async function logStart({ log, source }: RestoreOptions): Promise<string> {
  const range = (await log.admin.partitionRanges(source.topic)).find(
    (entry) => entry.partition === source.partition,
  );
  return range?.low ?? '0';
}

async function replayFromStart(
  options: RestoreOptions,
  committed: bigint,
  read: string,
): Promise<RestoredPartition> {
  const { source } = options;
  const low = await logStart(options);
  if (BigInt(low) > 0n) {
    options.warn(
      `${source.topic}/${source.partition}: the log starts at offset ${low}; state before it is gone (retention), so bars and indicators restart from there`,
    );
  }
  // no record of which rules held back then: the current ones are the best guess
  const task = PartitionTask.create(options.task);
  task.syncRules(options.rules);
  return {
    task,
    resume: { nextOffset: BigInt(low), silentUntil: committed, checkpointOffset: null },
    seekTo: low,
    basis: `${read}, no checkpoint: from the start at ${low}, silent until ${committed}`,
  };
}
