import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { z } from 'zod';
import { persistedTopics } from '../../pipeline/runtime/log/embedded/log-directory.js';
import { streamLogFromEnv } from '../../pipeline/runtime/log/stream-log-from-env.js';
import { pipelineTopicSpecs } from '../../pipeline/runtime/wiring/build-pipeline.js';
import { parseEnv } from '../../schemas/env.js';
import type { StreamLog, TopicDescription, TopicSpec } from '../../schemas/ports/stream-log.js';
import { LIVE_NAMESPACE, topicNames } from '../../schemas/topics.js';
import { parseCommandOptions } from '../option-problems.js';

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

/**
 * Every topic Nexural uses in a namespace, exactly as the pipeline creates them: partitions and cleanup
 * policy, plus the alert fan-out's delivery journal `<alerts>.deliveries` (one partition, kept 8 days).
 */
export function nexuralTopicSpecs(partitions: number, namespace: string = LIVE_NAMESPACE): TopicSpec[] {
  return pipelineTopicSpecs(topicNames(namespace), partitions);
}

const parseTopicsOptions = (options: TopicsOptions) => parseCommandOptions(topicsOptionsSchema, options);

/** One line per topic: what exists, what was just created, what is missing, and how an existing one differs. */
export function printTopics(
  specs: readonly TopicSpec[],
  existing: readonly TopicDescription[],
  created: ReadonlySet<string>,
  output: Writable,
): void {
  const found = new Map(existing.map((topic) => [topic.name, topic]));
  const width = Math.max(5, ...specs.map((spec) => spec.name.length));
  output.write(`${'topic'.padEnd(width)}  partitions  policy   status\n`);
  for (const spec of specs) {
    const topic = found.get(spec.name);
    const policy = (topic ?? spec).compacted ? 'compact' : 'delete';
    const differences = [
      topic !== undefined && topic.partitions !== spec.partitions
        ? `spec says ${spec.partitions} partitions`
        : '',
      topic !== undefined && topic.compacted !== spec.compacted
        ? `spec says ${spec.compacted ? 'compact' : 'delete'}`
        : '',
    ].filter(Boolean);
    const status = topic === undefined ? 'missing' : created.has(spec.name) ? 'created' : 'exists';
    const note = differences.length > 0 ? ` (${differences.join(', ')})` : '';
    const partitions = String(topic?.partitions ?? spec.partitions).padStart(10);
    output.write(`${spec.name.padEnd(width)}  ${partitions}  ${policy.padEnd(7)}  ${status}${note}\n`);
  }
}

/** Lists (and with `create`, first creates the missing) topics on `log`. */
export async function runTopics(
  log: StreamLog,
  specs: readonly TopicSpec[],
  create: boolean,
  output: Writable,
): Promise<void> {
  const created = new Set(create ? await log.admin.createTopics(specs) : []);
  printTopics(specs, await log.admin.listTopics(), created, output);
}

function explainEmbedded(
  dataDir: string,
  specs: readonly TopicSpec[],
  create: boolean,
  output: Writable,
): void {
  output.write(
    'KAFKA_BROKERS is not set: Nexural uses its embedded log, whose topics `nexural run` creates.\n',
  );
  if (create) output.write('(--create applies to Kafka only.)\n');
  const directory = join(dataDir, 'log');
  const persisted = persistedTopics(directory);
  if (persisted === null) {
    output.write(`No embedded log is stored in ${directory} yet. Its topics will be:\n`);
    for (const spec of specs) output.write(`  ${spec.name}${spec.compacted ? ' (compacted)' : ''}\n`);
    return;
  }
  output.write(`The embedded log stored in ${directory} has:\n`);
  printTopics(specs, persisted, new Set(), output);
}

export function registerTopicsCommand(program: Command): void {
  program
    .command('topics')
    .description(
      'list the Nexural topics on Kafka (or in the stored embedded log); --create makes missing ones',
    )
    .option('--create', 'create missing topics (compacted: alert rules, processor state)', false)
    .option('--partitions <n>', 'partitions per created topic (default NEXURAL_PARTITIONS, 6)')
    .option('--namespace <name>', 'replay namespace for the derived topics', LIVE_NAMESPACE)
    .action((raw: TopicsOptions) => topicsCommand(raw, process.env, process.stdout));
}

/** `nexural topics` with its environment and output passed in. */
export async function topicsCommand(
  raw: TopicsOptions,
  source: Record<string, string | undefined>,
  output: Writable,
): Promise<void> {
  const options = parseTopicsOptions(raw);
  const env = parseEnv(source);
  const specs = nexuralTopicSpecs(options.partitions ?? env.NEXURAL_PARTITIONS, options.namespace);
  if (env.KAFKA_BROKERS === undefined) {
    explainEmbedded(env.NEXURAL_DATA_DIR, specs, options.create, output);
    return;
  }
  const log = streamLogFromEnv(env);
  try {
    await runTopics(log, specs, options.create, output);
  } finally {
    await log.close();
  }
}
