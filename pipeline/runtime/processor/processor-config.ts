import { z } from 'zod';
import { NexuralError } from '../../../schemas/errors.js';
import { describeIssues } from '../../../schemas/validate.js';
import { engineConfigSchema } from '../../engine/engine-config.js';

/** How a stream processor runs: its group, what its engines compute, and how often it checkpoints. */
export const processorConfigSchema = z
  .object({
    groupId: z
      .string()
      .min(1)
      .max(200)
      .default('nexural-processor')
      .describe('consumer group of the raw trades topic; instances with the same id share the partitions'),
    transactionalIdPrefix: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe(
        'prefix of the transactional ids (one per input partition: <prefix>.<topic>.<partition>); default: the group id',
      ),
    transactions: z
      .enum(['auto', 'per-partition', 'shared'])
      .default('auto')
      .describe(
        "auto: shared where the stream log fences offsets by group generation (embedded, or Kafka with the platformatic client), per-partition otherwise (kafkajs, librdkafka); per-partition: each input partition commits in transactions of its own (transactional id <prefix>.<topic>.<partition>; a new owner fences the old one by taking the id over); shared: one transaction a round commits every owned partition's work (transactional id <prefix>.<instanceId>), its offsets fenced by the group generation (KIP-447) — a transaction's requests once per round instead of once per partition; refused (NXR_CONFIG_INVALID) on a stream log that cannot fence by generation",
      ),
    instanceId: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,100}$/)
      .optional()
      .describe(
        "shared transactions: this processor's name in its transactional id, unique among the group's processors and the same across its restarts (a restarted instance then ends its predecessor's open transaction at once; without one, a random id: a crashed processor's open transaction holds its partitions' outputs until the broker times it out, 10 s after it began, plus up to the broker's abort check interval)",
      ),
    engine: engineConfigSchema.describe('what every partition engine computes'),
    snapshotEveryRecords: z
      .number()
      .int()
      .min(1)
      .default(50_000)
      .describe('write the partition state after this many input records since the last snapshot'),
    snapshotEveryMs: z
      .number()
      .int()
      .min(1)
      .default(10_000)
      .describe('…or after this much wall-clock time, whichever comes first'),
    duplicatesPerSymbol: z
      .number()
      .int()
      .min(1)
      .default(10_000)
      .describe('trade ids remembered per symbol to refuse duplicates (part of the snapshot)'),
    maxFutureSkewMs: z
      .number()
      .int()
      .min(0)
      .nullable()
      .default(300_000)
      .describe(
        "a trade whose event time is more than this ahead of its record's log time (the wall clock when it was published; kept by replays) goes to the dead-letter topic as NXR_FUTURE_TICK; null = no check",
      ),
    wallClockIdleMs: z
      .number()
      .int()
      .min(1)
      .nullable()
      .default(null)
      .describe(
        'live only: when a partition receives nothing for this long, advance its watermark to the wall clock (minus this) so quiet symbols finalise (not when its newest tick is over an hour old: that is history); null = event time only (deterministic)',
      ),
    alertsToFanout: z
      .enum(['after-commit', 'at-once'])
      .default('after-commit')
      .describe(
        'after-commit: the fan-out gets an alert once its transaction committed (it is in the alerts topic); at-once: as soon as the engine emits it — a new owner re-computes uncommitted alerts with the same rules (same ids, dropped by the fan-out); see the processor README for what is not covered',
      ),
    commitIntervalMs: z
      .number()
      .int()
      .min(0)
      .nullable()
      .default(null)
      .describe(
        "least time between the starts of a partition's transactions (what is processed meanwhile goes into the next one); null = 0 with after-commit (alerts wait for their commit), 250 with at-once (they do not; fewer transactions leave the CPU and the broker to the ticks)",
      ),
    ruleChangeIntervalMs: z
      .number()
      .int()
      .min(0)
      .default(1_000)
      .describe(
        "least time between a partition's rule changes taking effect: changes arriving meanwhile wait and take effect together (each change commits a checkpoint with the partition's rule set; with at-once, also while a rule set is still committing); 0 = at the next batch",
      ),
    stateWaitMs: z
      .number()
      .int()
      .min(0)
      .default(30_000)
      .describe('how long an assigned partition waits for its checkpoint to appear in the state topic'),
    rulesWaitMs: z
      .number()
      .int()
      .min(0)
      .default(10_000)
      .describe('how long start() waits to read the alert rules topic to its end'),
  })
  .describe('stream processor configuration');

export type ProcessorConfig = z.output<typeof processorConfigSchema>;
export type ProcessorConfigInput = z.input<typeof processorConfigSchema>;

export function parseProcessorConfig(input: ProcessorConfigInput): ProcessorConfig {
  const parsed = processorConfigSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new NexuralError('NXR_CONFIG_INVALID', `invalid processor config: ${describeIssues(parsed.error)}`);
}
