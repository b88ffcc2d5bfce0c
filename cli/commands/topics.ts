import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { z } from 'zod';
import { streamLogFromEnv } from '../../pipeline/runtime/log/stream-log-from-env.js';
import { parseEnv } from '../../schemas/env.js';
import { NexuralError } from '../../schemas/errors.js';
import type { StreamLog, TopicSpec } from '../../schemas/ports/stream-log.js';
import { LIVE_NAMESPACE, type TopicNames, topicNames } from '../../schemas/topics.js';

const topicsOptionsSchema = z.object({
  create: z.boolean().default(false).describe('create the topics that are missing'),
  partitions: z.coerce
    .number()
    .int()
    .min(1)
    .max(1024)
    .optional()
    .describe('partitions of each created topic (default NEXURAL_PARTITIONS)'),
  namespace: z.string().default(LIVE_NAMESPACE).describe('replay namespace whose derived topics to use'),
});

export type TopicsOptions = z.input<typeof topicsOptionsSchema>;

/** Tables rather than streams: the log keeps the latest record per key. */
const compactedTopics: ReadonlySet<keyof TopicNames> = new Set(['alertRules', 'processorState']);

/** Every topic Nexural uses in a namespace, with its partitions and cleanup policy. */
export function nexuralTopicSpecs(partitions: number, namespace: string = LIVE_NAMESPACE): TopicSpec[] {
  const names = topicNames(namespace);
  return (Object.keys(names) as (keyof TopicNames)[]).map((role) => ({
    name: names[role],
    partitions,
    compacted: compactedTopics.has(role),
  }));
}

function parseOptions(options: TopicsOptions) {
  const parsed = topicsOptionsSchema.safeParse(options);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `--${String(issue.path[0])}: ${issue.message}`);
  throw new NexuralError('NXR_CONFIG_INVALID', problems.join('; '), { problems });
}

/**
 * Lists (and with `create`, creates) the given topics on `log`, printing one line per topic: what exists,
 * what was created, what is missing, and where an existing topic differs from the spec.
 */
export async function runTopics(
  log: StreamLog,
  specs: readonly TopicSpec[],
  create: boolean,
  output: Writable,
): Promise<void> {
  const created = new Set(create ? await log.admin.createTopics(specs) : []);
  const existing = new Map((await log.admin.listTopics()).map((topic) => [topic.name, topic]));
  const width = Math.max(5, ...specs.map((spec) => spec.name.length));
  output.write(`${'topic'.padEnd(width)}  partitions  policy   status\n`);
  for (const spec of specs) {
    const found = existing.get(spec.name);
    const policy = (found ?? spec).compacted ? 'compact' : 'delete';
    const differences = [
      found !== undefined && found.partitions !== spec.partitions
        ? `spec says ${spec.partitions} partitions`
        : '',
      found !== undefined && found.compacted !== spec.compacted
        ? `spec says ${spec.compacted ? 'compact' : 'delete'}`
        : '',
    ].filter(Boolean);
    const status = found === undefined ? 'missing' : created.has(spec.name) ? 'created' : 'exists';
    const note = differences.length > 0 ? ` (${differences.join(', ')})` : '';
    const partitions = String(found?.partitions ?? spec.partitions).padStart(10);
    output.write(`${spec.name.padEnd(width)}  ${partitions}  ${policy.padEnd(7)}  ${status}${note}\n`);
  }
}

export function registerTopicsCommand(program: Command): void {
  program
    .command('topics')
    .description('list the Nexural topics on Kafka (KAFKA_BROKERS); --create makes the missing ones')
    .option('--create', 'create missing topics (compacted: alert rules, processor state)', false)
    .option('--partitions <n>', 'partitions per created topic (default NEXURAL_PARTITIONS, 6)')
    .option('--namespace <name>', 'replay namespace for the derived topics', LIVE_NAMESPACE)
    .action(async (raw: TopicsOptions) => {
      const options = parseOptions(raw);
      const env = parseEnv(process.env);
      const specs = nexuralTopicSpecs(options.partitions ?? env.NEXURAL_PARTITIONS, options.namespace);
      if (env.KAFKA_BROKERS === undefined) {
        process.stdout.write(
          'KAFKA_BROKERS is not set, so Nexural uses its embedded in-process log: its topics live inside a\n' +
            'running `nexural run` (created at start) and there is nothing to list from here. Set\n' +
            'KAFKA_BROKERS=host:port to list or create them on Kafka. The topics are:\n',
        );
        for (const spec of specs) {
          process.stdout.write(`  ${spec.name}${spec.compacted ? ' (compacted)' : ''}\n`);
        }
        return;
      }
      const log = streamLogFromEnv(env);
      try {
        await runTopics(log, specs, options.create, process.stdout);
      } finally {
        await log.close();
      }
    });
}
