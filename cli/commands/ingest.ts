import type { Writable } from 'node:stream';
import { SchemaRegistryClient } from '@confluentinc/schemaregistry';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { z } from 'zod';
import { type FileSource, ingestFormats, publishFile, scanFile } from '../../pipeline/ingest/file-ingest.js';
import { liveFeedKinds, runLiveFeed } from '../../pipeline/ingest/live-feed-runner.js';
import { RawPublisher } from '../../pipeline/ingest/raw-publisher.js';
import { symbolFromFileName } from '../../pipeline/readers/read-trades.js';
import { streamLogFromEnv } from '../../pipeline/runtime/log/stream-log-from-env.js';
import type { Processor } from '../../pipeline/runtime/processor/processor.js';
import type { ProcessorStats } from '../../pipeline/runtime/processor/processor-stats.js';
import { createJsonSerde } from '../../pipeline/runtime/serdes/record-serde.js';
import { createRegistrySerde } from '../../pipeline/runtime/serdes/registry-serde.js';
import { buildPipeline, type PipelineEnv } from '../../pipeline/runtime/wiring/build-pipeline.js';
import { statusLine } from '../../pipeline/runtime/wiring/status-line.js';
import { deadLetterSchema } from '../../schemas/dead-letter.js';
import { parseEnv } from '../../schemas/env.js';
import { NexuralError } from '../../schemas/errors.js';
import { intervalSchema } from '../../schemas/interval.js';
import { symbolSchema, venueSchema } from '../../schemas/market.js';
import type { StreamLog } from '../../schemas/ports/stream-log.js';
import { topicNames } from '../../schemas/topics.js';
import { commandLogger } from '../command-logger.js';
import { parseCommandOptions } from '../option-problems.js';
import { untilSignal } from '../until-signal.js';

/** Comma-separated items; commas inside parentheses belong to the item: `sma(20),macd(12,26,9)`. */
const list = (text: string) =>
  (text.match(/(?:[^,(]|\([^)]*\))+/g) ?? []).map((item) => item.trim()).filter(Boolean);

const speedSchema = z
  .union([z.literal('max'), z.coerce.number().positive()])
  .transform((speed) => (speed === 'max' ? Number.POSITIVE_INFINITY : speed));

const ingestOptionsSchema = z.object({
  file: z.string().min(1).optional().describe('recorded trades file to publish'),
  format: z.enum(ingestFormats).optional().describe('file format'),
  feed: z.enum(liveFeedKinds).optional().describe('live feed to publish instead of a file'),
  venue: venueSchema.optional().describe('venue of the trades (default binance; feeds: their own)'),
  symbol: symbolSchema.optional().describe('symbol of a Binance file (default: from its name), or a filter'),
  symbols: z
    .string()
    .optional()
    .transform((text) => (text === undefined ? undefined : list(text))),
  speed: speedSchema.default(Number.POSITIVE_INFINITY).describe('1 = recorded pace, 10 = 10× faster, max'),
  rate: z.coerce.number().positive().default(1000).describe('synthetic feed: ticks per second'),
  seed: z.coerce.number().int().default(1).describe('synthetic feed: seed'),
  metricsPort: z.coerce.number().int().min(0).max(65535).optional().describe('feeds: serve /metrics here'),
  persist: z.boolean().default(true).describe('embedded log: keep topics and outputs in NEXURAL_DATA_DIR'),
  intervals: z.string().default('1m,5m,1h').transform(list).pipe(z.array(intervalSchema).min(1)),
  indicators: z
    .string()
    .default('sma(20),ema(50),rsi(14),macd(12,26,9),bbands(20,2),atr(14)')
    .transform(list),
  progress: z.boolean().default(true).describe('show the progress bar (on a terminal)'),
});

export type IngestOptions = z.input<typeof ingestOptionsSchema>;
type Parsed = z.output<typeof ingestOptionsSchema>;

function parseOptions(options: IngestOptions): Parsed {
  const opts = parseCommandOptions(ingestOptionsSchema, options);
  if ((opts.file === undefined) === (opts.feed === undefined)) {
    throw new NexuralError(
      'NXR_CONFIG_INVALID',
      'give either --file F --format X, or --feed binance|coinbase|synthetic',
    );
  }
  if (opts.file !== undefined && opts.format === undefined) {
    throw new NexuralError(
      'NXR_CONFIG_INVALID',
      `--format is required with --file: ${ingestFormats.join(', ')}`,
    );
  }
  return opts;
}

export type IngestEnv = PipelineEnv & { readonly NEXURAL_PARTITIONS: number };

/** The raw topics exist on Kafka before anything is sent there (topics are never auto-created). */
async function ensureRawTopics(log: StreamLog, partitions: number): Promise<void> {
  const names = topicNames();
  await log.admin.createTopics([
    { name: names.trades, partitions, compacted: false },
    { name: names.quotes, partitions, compacted: false },
  ]);
}

const count = (value: number) => value.toLocaleString('en-US');

function progressBar(opts: Parsed, total: number): SingleBar | null {
  if (!opts.progress || !process.stderr.isTTY) return null;
  const bar = new SingleBar({
    format: 'ingest |{bar}| {percentage}% · {value}/{total} ticks · {rate} ticks/s · ETA {eta_formatted}',
    etaBuffer: 50,
    hideCursor: true,
  });
  bar.start(total, 0, { rate: 0 });
  return bar;
}

interface IngestTarget {
  readonly log: StreamLog;
  /** the embedded log's pipeline, run by this process; null on Kafka (`nexural run` processes) */
  readonly processor: Processor | null;
  close(): Promise<void>;
}

/**
 * Kafka: the raw topics (created if missing); the processors of `nexural run` pick the trades up. Embedded
 * log: nothing else can read this process's log, so the pipeline runs here, built like `nexural run`'s.
 */
async function openTarget(opts: Parsed, env: IngestEnv, say: (line: string) => void): Promise<IngestTarget> {
  if (env.KAFKA_BROKERS !== undefined) {
    const log = streamLogFromEnv(env);
    await ensureRawTopics(log, env.NEXURAL_PARTITIONS).catch(async (error: unknown) => {
      await log.close();
      throw error;
    });
    say(`  Kafka ${env.KAFKA_BROKERS.join(',')}: the processors of \`nexural run\` process the trades`);
    return { log, processor: null, close: () => log.close() };
  }
  const pipeline = await buildPipeline({
    // alerts of an ingest are not pushed to live subscribers
    env: { ...env, REDIS_URL: undefined },
    persistEmbeddedLog: opts.persist,
    processor: {
      engine: { bars: { intervals: opts.intervals }, indicators: opts.indicators, liveBarThrottleMs: 1000 },
    },
  });
  try {
    await pipeline.createTopics(env.NEXURAL_PARTITIONS);
    await pipeline.processor.start();
  } catch (error) {
    await pipeline.close();
    throw error;
  }
  say(
    `  embedded log${opts.persist ? ` in ${env.NEXURAL_DATA_DIR}` : ' (in memory: --no-persist)'}: the pipeline runs in this process`,
  );
  return { log: pipeline.log, processor: pipeline.processor, close: () => pipeline.close() };
}

const summary = (stats: ProcessorStats) =>
  statusLine(stats, stats, 0).replace(/^0 ticks\/s · lag \S+ · /, '');

/**
 * `nexural ingest --file`: checks the whole file first (a bad line: NXR_FILE_INVALID with file, line and
 * field, nothing published), then publishes it to the raw trades topic at its recorded pace × speed, keyed
 * venue:symbol, with a progress bar. On the embedded log it waits until the pipeline processed every trade.
 */
export async function runFileIngest(
  options: IngestOptions,
  env: IngestEnv,
  output: Writable,
  signal: AbortSignal,
): Promise<{ readonly ticks: number; readonly processed: ProcessorStats | null }> {
  const opts = parseOptions(options);
  const say = (line: string) => output.write(`${line}\n`);
  const file = opts.file ?? '';
  const format = opts.format ?? 'csv';
  const source: FileSource = {
    file,
    format,
    venue: opts.venue ?? 'binance',
    symbol: opts.symbol ?? (format === 'csv' || format === 'ndjson' ? undefined : symbolFromFileName(file)),
  };
  const scan = await scanFile(source);
  const span = scan.firstTimeUs !== null && scan.lastTimeUs !== null ? scan.lastTimeUs - scan.firstTimeUs : 0;
  say(
    `nexural ingest: ${file} — ${count(scan.ticks)} trades of ${scan.symbols.join(', ') || 'no symbol'}` +
      (scan.firstTimeUs === null ? '' : ` from ${new Date(scan.firstTimeUs / 1000).toISOString()}`) +
      ` (${(span / 1e6).toFixed(1)} s recorded) at ${Number.isFinite(opts.speed) ? `${opts.speed}×` : 'max speed'}`,
  );
  const target = await openTarget(opts, env, say);
  try {
    const publisher = new RawPublisher(await target.log.createProducer(), topicNames());
    const bar = progressBar(opts, scan.ticks);
    let previous = { ticks: 0, at: performance.now() };
    const { ticks } = await publishFile(source, publisher, {
      speed: opts.speed,
      signal,
      onProgress: (sent) => {
        const now = performance.now();
        if (now - previous.at < 250 && sent < scan.ticks) return;
        const rate = Math.round(((sent - previous.ticks) * 1000) / Math.max(1, now - previous.at));
        bar?.update(sent, { rate: count(rate) });
        previous = { ticks: sent, at: now };
      },
    }).finally(() => bar?.stop());
    say(`  published ${count(ticks)} trades to ${topicNames().trades}`);
    if (target.processor === null) return { ticks, processed: null };
    const stats = target.processor.stats;
    while (stats.records < ticks && !signal.aborted) await new Promise((resolve) => setTimeout(resolve, 50));
    // with alerts at once, outputs commit at most every commitIntervalMs: drain before counting them
    await target.processor.close();
    const processed = { ...stats };
    say(`  processed: ${summary(processed)}`);
    return { ticks, processed };
  } finally {
    await target.close();
  }
}

/** `nexural ingest --feed`: a live exchange feed or the synthetic one, until SIGINT/SIGTERM. */
export async function runFeedIngest(
  options: IngestOptions,
  env: IngestEnv,
  output: Writable,
  signal: AbortSignal,
): Promise<void> {
  const opts = parseOptions(options);
  const say = (line: string) => output.write(`${line}\n`);
  const target = await openTarget(opts, env, say);
  try {
    const deadLetters =
      env.SCHEMA_REGISTRY_URL === undefined
        ? createJsonSerde(topicNames().deadLetters, deadLetterSchema)
        : await createRegistrySerde({
            client: SchemaRegistryClient.newClient({ baseURLs: [env.SCHEMA_REGISTRY_URL] }),
            topic: topicNames().deadLetters,
            schemaName: 'deadLetter',
          });
    await runLiveFeed(
      {
        kind: opts.feed ?? 'synthetic',
        symbols: opts.symbols ?? [],
        rate: opts.rate,
        seed: opts.seed,
        deadLetters,
        ...(opts.metricsPort === undefined ? {} : { metricsPort: opts.metricsPort }),
      },
      target.log,
      output,
      signal,
    );
    if (target.processor !== null) say(`  processed: ${summary(target.processor.stats)}`);
  } finally {
    await target.close();
  }
}

export function registerIngestCommand(program: Command): void {
  program
    .command('ingest')
    .description('publish a recorded trades file (or a live/synthetic feed) to the raw trades topic')
    .option('--file <path>', 'trades file')
    .option('--format <format>', `file format: ${ingestFormats.join(', ')}`)
    .option('--feed <kind>', `live feed instead of a file: ${liveFeedKinds.join(', ')}`)
    .option('--venue <venue>', 'venue of the file trades (default binance)')
    .option(
      '--symbol <symbol>',
      'symbol of a Binance file (default: from its name); csv/ndjson: keep only it',
    )
    .option(
      '--symbols <list>',
      'feeds: symbols, comma-separated (BTCUSDT,ETHUSDT · BTC-USD · synthetic: a count)',
    )
    .option(
      '--speed <n|max>',
      'file pace: 1 = as recorded, 10 = 10× faster, max = as fast as possible',
      'max',
    )
    .option('--rate <n>', 'synthetic feed: ticks per second', '1000')
    .option('--seed <n>', 'synthetic feed: seed', '1')
    .option('--metrics-port <port>', 'feeds: serve Prometheus metrics on 127.0.0.1:<port>/metrics')
    .option('--no-persist', 'embedded log: in memory only (default: kept in NEXURAL_DATA_DIR/log)')
    .option('--intervals <list>', 'embedded pipeline: bar intervals', '1m,5m,1h')
    .option('--indicators <list>', 'embedded pipeline: indicators on final bars')
    .action(async (options: IngestOptions) => {
      const env = parseEnv(process.env);
      const logger = commandLogger('ingest', env);
      await untilSignal(async (signal) => {
        signal.addEventListener('abort', () => logger.info('stopping'), { once: true });
        if (options.feed !== undefined) await runFeedIngest(options, env, process.stdout, signal);
        else await runFileIngest(options, env, process.stdout, signal);
      });
      logger.info('finished');
    });
}
