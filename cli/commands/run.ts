import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { z } from 'zod';
import { loadDemoTrades } from '../../pipeline/ingest/demo-feed.js';
import { type Logger, silentLogger } from '../../pipeline/runtime/logging/logger.js';
import type { ProcessorStats } from '../../pipeline/runtime/processor/processor-stats.js';
import { buildPipeline, type PipelineEnv } from '../../pipeline/runtime/wiring/build-pipeline.js';
import { demoRules, produceDemoTrades } from '../../pipeline/runtime/wiring/demo-producer.js';
import { statusLine } from '../../pipeline/runtime/wiring/status-line.js';
import { parseEnv } from '../../schemas/env.js';
import { intervalSchema } from '../../schemas/interval.js';
import { createRoleHealthRegistry } from '../../schemas/ports/role-health.js';
import { LIVE_NAMESPACE } from '../../schemas/topics.js';
import { commandLogger, logRoleState } from '../command-logger.js';
import { parseCommandOptions } from '../option-problems.js';
import { type RoleHealth, startRoleHealth } from '../role-health.js';

/** Comma-separated items; commas inside parentheses belong to the item: `sma(20),macd(12,26,9)`. */
const list = (text: string) =>
  (text.match(/(?:[^,(]|\([^)]*\))+/g) ?? []).map((item) => item.trim()).filter(Boolean);

const runOptionsSchema = z.object({
  demo: z.boolean().default(false).describe('also feed the bundled real Binance trades into the raw topic'),
  speed: z
    .union([z.literal('max'), z.coerce.number().positive()])
    .default(20)
    .transform((speed) => (speed === 'max' ? Number.POSITIVE_INFINITY : speed))
    .describe('demo pace: 1 = recorded, max = as fast as possible'),
  maxTicks: z.coerce
    .number()
    .int()
    .positive()
    .optional()
    .describe('demo: stop after this many, once processed'),
  namespace: z.string().default(LIVE_NAMESPACE).describe('namespace of the derived topics'),
  partitions: z.coerce.number().int().min(1).max(1024).optional().describe('partitions of created topics'),
  intervals: z.string().default('1m,5m,1h').transform(list).pipe(z.array(intervalSchema).min(1)),
  indicators: z
    .string()
    .default('sma(20),ema(50),rsi(14),macd(12,26,9),bbands(20,2),atr(14)')
    .transform(list),
  group: z.string().min(1).default('nexural-processor').describe('consumer group of the processors'),
  statusEvery: z.coerce.number().positive().default(5).describe('seconds between status lines'),
  persist: z.boolean().default(true).describe('embedded log: keep state in NEXURAL_DATA_DIR across runs'),
  alerts: z
    .enum(['at-once', 'after-commit'])
    .optional()
    .describe('when alerts reach the fan-out (default NEXURAL_ALERTS_TO_FANOUT, at-once)'),
  healthPort: z.coerce
    .number()
    .int()
    .min(0)
    .max(65535)
    .optional()
    .describe('serve GET /health and /ready on this port (0 = any free port)'),
  idleFinalizeMs: z.coerce
    .number()
    .int()
    .min(1)
    .optional()
    .describe('finalise quiet partitions by the wall clock after this many ms without input'),
});

export type RunOptions = z.input<typeof runOptionsSchema>;

/**
 * `nexural run`: the processors (and with --demo a producer of real trades) on the adapters the
 * environment selects, until `signal` aborts (SIGTERM/SIGINT) or, with --max-ticks, the demo ticks are all
 * processed. Prints what it runs, then a status line every few seconds. The store sink and the API attach
 * to the same pipeline later.
 */
export async function runPipeline(
  options: RunOptions,
  env: PipelineEnv & { NEXURAL_PARTITIONS: number; API_HOST?: string },
  output: Writable,
  signal: AbortSignal,
  logger: Logger = silentLogger(),
): Promise<ProcessorStats> {
  const opts = parseCommandOptions(runOptionsSchema, options);
  const say = (line: string) => output.write(`${line}\n`);
  const stop = new AbortController();
  const stopOn = () => stop.abort();
  signal.addEventListener('abort', stopOn, { once: true });
  let failure: Error | null = null;
  const roles = createRoleHealthRegistry((role, state) => logRoleState(logger, role, state));
  const pipeline = await buildPipeline({
    env,
    health: roles,
    namespace: opts.namespace,
    persistEmbeddedLog: opts.persist,
    processor: {
      groupId: opts.group,
      engine: { bars: { intervals: opts.intervals }, indicators: opts.indicators, liveBarThrottleMs: 1000 },
      ...(opts.alerts === undefined ? {} : { alertsToFanout: opts.alerts }),
      wallClockIdleMs: opts.idleFinalizeMs ?? null,
    },
    onError: (error) => {
      logger.error({ err: error }, `processor stopped: ${error.message}`);
      failure = error;
      stop.abort();
    },
    onWarning: (message) => logger.warn(message),
  });
  let feed: Promise<number> = Promise.resolve(0);
  const feedStop = new AbortController();
  let timer: NodeJS.Timeout | null = null;
  let final = { ...pipeline.processor.stats };
  let health: RoleHealth | null = null;
  try {
    const created = await pipeline.createTopics(opts.partitions ?? env.NEXURAL_PARTITIONS);
    const { adapters, topics } = pipeline;
    say(
      `nexural run: ${adapters.log} · ${adapters.serdes} · ${adapters.fanout} · ${pipeline.processor.transactions} transactions`,
    );
    say(
      `  raw trades ${topics.trades} → bars ${topics.bars} (final ${topics.barsFinal}), ${topics.indicators},`,
    );
    say(
      `  ${topics.alerts}, DLQ ${topics.deadLetters}; rules ${topics.alertRules}; state ${topics.processorState}`,
    );
    say(`  engine: ${opts.intervals.join(' ')} bars; ${opts.indicators.join(' ') || 'no indicators'}`);
    if (created.length > 0) say(`  created ${created.length} topics`);
    const trades = opts.demo ? await loadDemoTrades() : [];
    const producer = opts.demo ? await pipeline.log.createProducer() : null;
    if (producer) {
      const rules = demoRules(trades);
      await producer.send(
        rules.map((rule) => ({
          topic: topics.alertRules,
          key: rule.id,
          value: Buffer.from(JSON.stringify(rule)),
        })),
      );
      say(
        `  demo: ${trades.length} real Binance trades looped at ${Number.isFinite(opts.speed) ? `${opts.speed}×` : 'max speed'}, ${rules.length} demo rules`,
      );
    }
    await pipeline.processor.start();
    if (opts.healthPort !== undefined) {
      health = await startRoleHealth({
        role: 'processor',
        host: env.API_HOST ?? '127.0.0.1',
        port: opts.healthPort,
        roles,
        checks: [{ name: 'stream-log', check: () => pipeline.log.admin.listTopics() }],
      });
      say(`  health ${health.url}/ready`);
    }
    if (producer) {
      feed = produceDemoTrades({
        producer,
        topic: topics.trades,
        trades,
        speed: opts.speed,
        signal: feedStop.signal,
        ...(opts.maxTicks === undefined ? {} : { maxTicks: opts.maxTicks }),
      });
    }
    let previous = { ...pipeline.processor.stats };
    let previousAt = Date.now();
    timer = setInterval(() => {
      const now = Date.now();
      const current = { ...pipeline.processor.stats };
      say(statusLine(previous, current, now - previousAt));
      previous = current;
      previousAt = now;
    }, opts.statusEvery * 1000);
    if (opts.maxTicks !== undefined && producer) {
      const sent = await feed;
      await waitUntil(() => pipeline.processor.stats.ticks >= sent || stop.signal.aborted);
    } else {
      await new Promise<void>((resolve) => {
        if (stop.signal.aborted) resolve();
        stop.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    }
  } finally {
    final = { ...pipeline.processor.stats };
    health?.draining();
    signal.removeEventListener('abort', stopOn);
    if (timer) clearInterval(timer);
    feedStop.abort();
    await feed.catch(() => 0);
    await pipeline.close();
    await health?.close();
  }
  if (failure) throw failure;
  say(`nexural run: stopped · ${statusLine(final, final, 0).replace(/^0 ticks\/s · /, '')}`);
  return final;
}

const waitUntil = async (condition: () => boolean) => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 50));
};

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description(
      'run the stream processors (Kafka/Schema Registry/Redis when KAFKA_BROKERS/SCHEMA_REGISTRY_URL/REDIS_URL are set, else embedded)',
    )
    .option('--demo', 'also feed the bundled real Binance trades (looped) into the raw trades topic', false)
    .option('--speed <n|max>', 'demo pace: 1 = recorded, max = as fast as possible', '20')
    .option('--max-ticks <n>', 'demo: stop after this many ticks, once they are processed')
    .option('--namespace <name>', 'namespace of the derived topics (replays)', LIVE_NAMESPACE)
    .option('--partitions <n>', 'partitions of topics it creates (default NEXURAL_PARTITIONS)')
    .option('--intervals <list>', 'bar intervals, comma-separated', '1m,5m,1h')
    .option('--indicators <list>', 'indicators on final bars, comma-separated', undefined)
    .option('--group <id>', 'consumer group shared by the processor instances', 'nexural-processor')
    .option('--status-every <s>', 'seconds between status lines', '5')
    .option('--no-persist', 'embedded log: in memory only (default: kept in NEXURAL_DATA_DIR/log)')
    .option(
      '--alerts <at-once|after-commit>',
      'when alerts reach the fan-out: as soon as processed, or once their transaction committed (default NEXURAL_ALERTS_TO_FANOUT, at-once)',
    )
    .option('--health-port <n>', 'serve GET /health and /ready on this port (0 = any free port)')
    .option(
      '--idle-finalize-ms <ms>',
      'finalise quiet symbols by the wall clock after this long without input',
    )
    .action(async (options: RunOptions) => {
      const env = parseEnv(process.env);
      const logger = commandLogger('run', env);
      const shutdown = new AbortController();
      const onSignal = () => {
        logger.info('stopping: draining the processors');
        shutdown.abort();
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        await runPipeline(options, env, process.stdout, shutdown.signal, logger);
        logger.info('stopped');
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
