import type { Writable } from 'node:stream';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { z } from 'zod';
import {
  defaultFormingBars,
  type FormingBars,
  formingBarsSchema,
} from '../../pipeline/ingest/replay/forming-bars.js';
import { type ReplaySummary, replay } from '../../pipeline/ingest/replay/replay.js';
import { streamLogFromEnv } from '../../pipeline/runtime/log/stream-log-from-env.js';
import { type Logger, silentLogger } from '../../pipeline/runtime/logging/logger.js';
import { derivedSerdesFor } from '../../pipeline/runtime/serdes/derived-serdes.js';
import { type Env, parseEnv } from '../../schemas/env.js';
import { intervalSchema } from '../../schemas/interval.js';
import { commandLogger } from '../command-logger.js';
import { parseCommandOptions } from '../option-problems.js';
import { untilSignal } from '../until-signal.js';

/** Comma-separated items; commas inside parentheses belong to the item: `sma(20),macd(12,26,9)`. */
const list = (text: string) =>
  (text.match(/(?:[^,(]|\([^)]*\))+/g) ?? []).map((item) => item.trim()).filter(Boolean);

const replayOptionsSchema = z.object({
  run: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, {
    error: 'lowercase letters, digits, _ and - (namespace of its topics)',
  }),
  from: z
    .string()
    .optional()
    .describe('ISO time with zone, offset, or partition:offset pairs; default: start'),
  to: z.string().optional().describe('same forms, exclusive; default: the end as of now'),
  symbols: z
    .string()
    .optional()
    .transform((text) => (text === undefined ? [] : list(text))),
  speed: z
    .union([z.literal('max'), z.coerce.number().positive()])
    .default('max')
    .transform((speed) => (speed === 'max' ? Number.POSITIVE_INFINITY : speed)),
  intervals: z.string().default('1m,5m,1h').transform(list).pipe(z.array(intervalSchema).min(1)),
  indicators: z
    .string()
    .default('sma(20),ema(50),rsi(14),macd(12,26,9),bbands(20,2),atr(14)')
    .transform(list),
  firstBar: z
    .enum(['skip', 'keep'])
    .default('skip')
    .describe('the first bar of each series: skip (as live) or keep'),
  formingBars: formingBarsSchema.optional(),
  progress: z.boolean().default(true),
});

export type ReplayOptions = z.input<typeof replayOptionsSchema>;

const count = (value: number) => value.toLocaleString('en-US');

function describeRange(options: z.output<typeof replayOptionsSchema>): string {
  const symbols = options.symbols.length > 0 ? ` for ${options.symbols.join(', ')}` : '';
  return `${options.from ?? 'start'} → ${options.to ?? 'now'}${symbols}`;
}

const describeFormingBars = (choice: FormingBars, given: boolean): string => {
  const what =
    choice === 'none'
      ? 'final bars only'
      : choice === 'all'
        ? 'forming bars: every update'
        : `forming bars: one per ${count(choice)} ms`;
  return given ? what : `${what} (default at this speed; --forming-bars all|none|N)`;
};

/**
 * `nexural replay`: the live processor over a fixed range of the recorded raw trades, into the run's own
 * topics (`nexural.run.<name>.*`), then a summary. Kafka when KAFKA_BROKERS is set; otherwise the embedded
 * log stored in NEXURAL_DATA_DIR (where `serve`, `ingest` and `run` keep it by default).
 */
export async function runReplay(
  options: ReplayOptions,
  env: Pick<Env, 'KAFKA_BROKERS' | 'KAFKA_CLIENT_ID' | 'NEXURAL_DATA_DIR' | 'SCHEMA_REGISTRY_URL'>,
  output: Writable,
  signal: AbortSignal,
  logger: Logger = silentLogger(),
): Promise<ReplaySummary> {
  const opts = parseCommandOptions(replayOptionsSchema, options);
  const say = (line: string) => output.write(`${line}\n`);
  const log = streamLogFromEnv(env);
  const where =
    env.KAFKA_BROKERS === undefined
      ? `embedded log in ${env.NEXURAL_DATA_DIR}`
      : `Kafka ${env.KAFKA_BROKERS.join(',')}`;
  const formingBars = opts.formingBars ?? defaultFormingBars(opts.speed);
  say(`nexural replay: run ${opts.run} · ${describeRange(opts)} · ${where}`);
  say(`  ${describeFormingBars(formingBars, opts.formingBars !== undefined)}`);
  const bar =
    opts.progress && process.stderr.isTTY
      ? new SingleBar({
          format:
            'replay |{bar}| {percentage}% · {value}/{total} records · copied {copied} · ETA {eta_formatted}',
          etaBuffer: 50,
          hideCursor: true,
        })
      : null;
  let started = false;
  try {
    const summary = await replay(
      {
        log,
        serdesFor: derivedSerdesFor(env.SCHEMA_REGISTRY_URL),
        onWarning: (message) => logger.warn(message),
      },
      {
        run: opts.run,
        from: opts.from,
        to: opts.to,
        symbols: opts.symbols,
        speed: opts.speed,
        engine: { bars: { intervals: opts.intervals, firstBar: opts.firstBar }, indicators: opts.indicators },
        formingBars,
        signal,
        onProgress: ({ total, copied, processed }) => {
          if (bar === null) return;
          if (!started) bar.start(Math.max(1, total), 0, { copied: 0 });
          started = true;
          bar.update(processed, { copied: count(copied) });
        },
      },
    );
    bar?.stop();
    const { counts, durationMs } = summary;
    const rate = durationMs > 0 ? Math.round((counts.ticks * 1000) / durationMs) : 0;
    say(
      `  input: ${summary.slice} (${count(summary.copied)} records${summary.reusedSlice ? ', reused' : ''}), rules ${summary.rules}`,
    );
    say(
      `  outputs: ${summary.topics.bars}, ${summary.topics.barsFinal}, ${summary.topics.indicators}, ${summary.topics.alerts}, ${summary.topics.deadLetters}`,
    );
    say(
      `  ticks ${count(counts.ticks)} · bars ${count(counts.bars)} (final ${count(counts.finalBars)}) · indicators ${count(counts.indicators)} · alerts ${count(counts.alerts)} · DLQ ${count(counts.deadLetters)} · ${(durationMs / 1000).toFixed(1)} s · ${count(rate)} ticks/s`,
    );
    return summary;
  } finally {
    bar?.stop();
    await log.close();
  }
}

export function registerReplayCommand(program: Command): void {
  program
    .command('replay')
    .description(
      're-run the pipeline over recorded raw trades into an isolated run namespace (nexural.run.<name>.*)',
    )
    .requiredOption('--run <name>', 'run name: its topics are nexural.run.<name>.*')
    .option(
      '--from <when>',
      'ISO time with zone (event time), offset, or partition:offset list; default: start',
    )
    .option('--to <when>', 'same forms, exclusive; default: the end as of now')
    .option('--symbols <list>', 'only these symbols (BTCUSDT or venue:BTCUSDT), comma-separated')
    .option('--speed <n|max>', 'pace: 1 = as recorded, 10 = 10× faster, max', 'max')
    .option('--intervals <list>', 'bar intervals', '1m,5m,1h')
    .option('--indicators <list>', 'indicators on final bars')
    .option(
      '--first-bar <skip|keep>',
      'first bar of each series: skip as live (joined mid-bar), or keep',
      'skip',
    )
    .option(
      '--forming-bars <all|none|ms>',
      'forming-bar updates on the run’s bars topic: all, none (final bars only), or one per N ms of event time per series; default none at --speed max (final bars, indicators and alerts are the same), 1000 when paced',
    )
    .action(async (options: ReplayOptions) => {
      const env = parseEnv(process.env);
      const logger = commandLogger('replay', env);
      await untilSignal((signal) => runReplay(options, env, process.stdout, signal, logger));
      logger.info('finished');
    });
}
