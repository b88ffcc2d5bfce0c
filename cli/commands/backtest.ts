import { mkdir, open, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import type { StrategyMetrics } from '../../consumers/strategy/metrics.js';
import { equityCsv, metricsOf, reportHtml, tradesCsv } from '../../consumers/strategy/run-files.js';
import { type FinalBar, StrategyBook } from '../../consumers/strategy/strategy-book.js';
import { MarketEngine } from '../../pipeline/engine/market-engine.js';
import { parseIndicatorSpec } from '../../pipeline/indicators/registry.js';
import { ingestFormats } from '../../pipeline/ingest/file-ingest.js';
import { readTradeRange } from '../../pipeline/ingest/replay/read-trade-range.js';
import { readTradeFileLines, symbolFromFileName } from '../../pipeline/readers/read-trades.js';
import { streamLogFromEnv } from '../../pipeline/runtime/log/stream-log-from-env.js';
import { type Env, parseEnv } from '../../schemas/env.js';
import { NexuralError } from '../../schemas/errors.js';
import { intervalOf } from '../../schemas/interval.js';
import {
  parseStrategy,
  type Strategy,
  type StrategyCondition,
  strategySymbols,
} from '../../schemas/strategy.js';
import type { TradeTick } from '../../schemas/tick.js';
import { topicNames } from '../../schemas/topics.js';

export interface BacktestOptions {
  readonly strategy: string;
  /** a recorded trades file (with `format`); without it the raw trades topic is read (`from`/`to`) */
  readonly trades?: string;
  readonly format?: Exclude<(typeof ingestFormats)[number], 'ndjson'>;
  /** raw topic range, as `nexural replay` takes it: ISO time with zone, offset or partition:offset pairs */
  readonly from?: string;
  readonly to?: string;
  readonly out: string;
  /** the bar on stderr when it is a terminal (default); false: none; a stream: drawn there, terminal or not */
  readonly progress?: boolean | NodeJS.WritableStream;
  /** parameter grid: `fast=5,10,20` → `{{fast}}` in the strategy file takes each value */
  readonly param?: readonly string[];
  /** raw topic runs: what the range held */
  readonly onRange?: (read: { scanned: number; invalid: number; ticks: number }) => void;
  /** stops the run between ticks (an automation step's time limit); no file is written then */
  readonly signal?: AbortSignal;
}

/** Every combination of the `--param name=a,b,c` lists, in the order given. */
export function parameterGrid(params: readonly string[]): Record<string, string>[] {
  let grid: Record<string, string>[] = [{}];
  for (const param of params) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/.exec(param);
    if (!match?.[1] || !match[2])
      throw new NexuralError('NXR_CONFIG_INVALID', `--param ${param}: expected name=v1,v2,…`, { param });
    const [name, values] = [match[1], match[2].split(',').map((v) => v.trim())];
    grid = grid.flatMap((row) => values.map((value) => ({ ...row, [name]: value })));
  }
  return grid;
}

const labelOf = (params: Record<string, string>) =>
  Object.entries(params)
    .map(([name, value]) => `${name}=${value}`)
    .join(',');

/** Indicator specs in registry canonical form (`rsi` → `rsi(14)`), so bar values and conditions use one name. */
function canonical(
  condition: StrategyCondition | undefined,
  specs: Set<string>,
): StrategyCondition | undefined {
  if (!condition) return condition;
  if ('all' in condition) return { all: condition.all.map((c) => canonical(c, specs) ?? c) };
  if ('any' in condition) return { any: condition.any.map((c) => canonical(c, specs) ?? c) };
  const fix = <T>(series: T): T => {
    if (typeof series !== 'object' || series === null || !('spec' in series)) return series;
    const spec = parseIndicatorSpec(String(series.spec)).spec;
    specs.add(spec);
    return { ...series, spec };
  };
  const out: Record<string, unknown> = { ...condition, source: fix(condition.source) };
  for (const key of ['value', 'lower', 'upper']) if (key in out) out[key] = fix(out[key]);
  return out as StrategyCondition;
}

export async function readStrategy(
  file: string,
  params: Record<string, string> = {},
): Promise<{ strategy: Strategy; indicators: string[] }> {
  let json: unknown;
  try {
    const text = await readFile(file, 'utf8');
    json = JSON.parse(
      text.replace(/\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}/g, (all, name: string) => params[name] ?? all),
    );
  } catch (error) {
    throw new NexuralError('NXR_FILE_INVALID', `${file}: ${(error as Error).message}`, { file });
  }
  return prepareStrategy(parseStrategy(json, file));
}

/** A parsed strategy with its indicator specs in canonical form, and the specs its books need. */
export function prepareStrategy(parsed: Strategy): { strategy: Strategy; indicators: string[] } {
  const specs = new Set<string>();
  const strategy: Strategy = {
    ...parsed,
    entry: canonical(parsed.entry, specs) ?? parsed.entry,
    exit: canonical(parsed.exit, specs),
    shortEntry: canonical(parsed.shortEntry, specs),
    shortExit: canonical(parsed.shortExit, specs),
  };
  const atr = new StrategyBook(strategy).atrSpec;
  if (atr) specs.add(atr);
  return { strategy, indicators: [...specs].sort() };
}

/**
 * `nexural backtest`: the strategy over a recorded trades file through MarketEngine (the live pipeline's bars
 * and indicators) and the StrategyBook the live consumer runs. Writes trades.csv, equity.csv, metrics.json,
 * report.html in `out`; the same inputs give byte-identical files.
 */
export async function runBacktest(
  options: BacktestOptions,
  env: Pick<Env, 'KAFKA_BROKERS' | 'KAFKA_CLIENT_ID' | 'NEXURAL_DATA_DIR'> = parseEnv(process.env),
): Promise<{ ticks: number; trades: number; ranking: { label: string; metrics: StrategyMetrics }[] }> {
  const grid = parameterGrid(options.param ?? []);
  const runs = await Promise.all(grid.map((params) => readStrategy(options.strategy, params)));
  const [head] = runs;
  if (!head) throw new NexuralError('NXR_CONFIG_INVALID', 'no strategy');
  const strategy = head.strategy;
  for (const run of runs)
    if (
      run.strategy.interval !== strategy.interval ||
      strategySymbols(run.strategy).join() !== strategySymbols(strategy).join()
    )
      throw new NexuralError('NXR_CONFIG_INVALID', 'a parameter grid must keep the interval and symbols');
  const source =
    options.trades === undefined
      ? await rangeSource(options, strategy, env)
      : await fileSource(options.trades, options.format, strategy, options.progress);
  const { books, ticks, first } = await runBooks(runs, source, options.signal);
  options.signal?.throwIfAborted();
  const interval = intervalOf(strategy.interval);
  const ranking: { label: string; metrics: StrategyMetrics }[] = [];
  for (const [index, book] of books.entries()) {
    const metrics = metricsOf(
      book,
      interval.kind === 'time' ? interval.ms : null,
      Number.isNaN(first) ? 0 : first,
    );
    const label = labelOf(grid[index] ?? {});
    const out = grid.length > 1 || label ? join(options.out, label) : options.out;
    await mkdir(out, { recursive: true });
    await writeFile(join(out, 'trades.csv'), tradesCsv(book.trades));
    await writeFile(join(out, 'equity.csv'), equityCsv(book.equity));
    await writeFile(join(out, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
    await writeFile(join(out, 'report.html'), reportHtml(book.strategy, book, metrics));
    ranking.push({ label, metrics });
  }
  // best total return first; ties by label, so the order is deterministic
  ranking.sort((a, b) => b.metrics.total_return - a.metrics.total_return || a.label.localeCompare(b.label));
  if (grid.length > 1) await writeFile(join(options.out, 'ranking.csv'), rankingCsv(ranking));
  return { ticks, trades: books.reduce((sum, book) => sum + book.trades.length, 0), ranking };
}

/**
 * The books of `runs` (one strategy, or a parameter grid keeping its interval and symbols) over the ticks:
 * MarketEngine's final bars and indicators, as the live pipeline makes them, into each StrategyBook.
 */
export async function runBooks(
  runs: readonly { strategy: Strategy; indicators: readonly string[] }[],
  source: TickSource,
  signal?: AbortSignal,
): Promise<{ books: StrategyBook[]; ticks: number; first: number }> {
  const [head] = runs;
  if (!head) throw new NexuralError('NXR_CONFIG_INVALID', 'no strategy');
  const strategy = head.strategy;
  const books = runs.map((run) => new StrategyBook(run.strategy));
  const indicators = [...new Set(runs.flatMap((run) => run.indicators))].sort();
  const symbols = new Set(strategySymbols(strategy));
  const pending: { bar: FinalBar & { values: Map<string, number> } }[] = [];
  const engine = new MarketEngine(
    { bars: { intervals: [strategy.interval], firstBar: 'skip' }, indicators, liveBarThrottleMs: -1 },
    {
      bar: (bar) => {
        if (!bar.final || !symbols.has(bar.symbol)) return;
        const values = new Map([
          ['bar.open', bar.open],
          ['bar.high', bar.high],
          ['bar.low', bar.low],
          ['bar.close', bar.close],
          ['bar.volume', bar.volume],
        ]);
        pending.push({
          bar: { symbol: bar.symbol, openTime: bar.openTime, closeTime: bar.closeTime, values },
        });
      },
      indicator: (value) => {
        const last = pending.at(-1)?.bar;
        if (!value.final || !last || last.symbol !== value.symbol || last.openTime !== value.openTime) return;
        for (const [output, number] of Object.entries(value.outputs))
          last.values.set(`${value.spec}.${output}`, number);
      },
      alert() {},
      late() {},
    },
  );
  let ticks = 0;
  let first = Number.NaN;
  let advancedTo = Number.NEGATIVE_INFINITY;
  const drain = () => {
    for (const { bar } of pending.splice(0)) for (const book of books) book.onBar(bar);
  };
  for await (const tick of source.ticks) {
    if (!symbols.has(tick.symbol)) continue;
    ticks++;
    const ms = Math.floor(tick.timeUs / 1000);
    if (Number.isNaN(first)) first = ms;
    engine.add(tick);
    const second = ms - (ms % 1000);
    if (second > advancedTo) {
      advancedTo = second;
      engine.advanceWatermark(second);
    }
    drain();
    const trade = { symbol: tick.symbol, timeUs: tick.timeUs, price: tick.price };
    for (const book of books) book.onTrade(trade);
    if (ticks % 10_000 === 0) {
      signal?.throwIfAborted();
      source.progressed(ticks);
    }
  }
  engine.flush();
  drain();
  for (const book of books) book.finish();
  source.done();
  return { books, ticks, first };
}

/** ranking.csv: rank, params, then every metric. */
export function rankingCsv(
  ranking: readonly { label: string; metrics: StrategyMetrics }[],
  separator = ',',
): string {
  const keys = Object.keys(ranking[0]?.metrics ?? {}) as (keyof StrategyMetrics)[];
  const rows = ranking.map((row, index) =>
    [
      index + 1,
      separator === ',' ? `"${row.label}"` : row.label,
      ...keys.map((key) => row.metrics[key] ?? ''),
    ].join(separator),
  );
  return `${['rank', 'params', ...keys].join(separator)}\n${rows.join('\n')}\n`;
}

export function registerBacktestCommand(program: Command): void {
  program
    .command('backtest')
    .description(
      'run a strategy (JSON, schemas/strategy.ts) over a recorded trades file or a range of the raw trades topic; writes trades.csv, equity.csv, metrics.json, report.html',
    )
    .requiredOption('--strategy <file>', 'strategy JSON file')
    .option('--trades <file>', 'trades file (without it: the raw trades topic, --from/--to)')
    .option('--format <format>', `file format: ${ingestFormats.filter((f) => f !== 'ndjson').join(', ')}`)
    .option('--from <when>', 'raw topic: ISO time with zone (event time), offset, or partition:offset list')
    .option('--to <when>', 'raw topic: same forms, exclusive; default: the end as of now')
    .requiredOption('--out <dir>', 'output directory')
    .option('--no-progress', 'no progress bar')
    .option('--param <name=values>', 'parameter grid, repeatable: {{name}} in the strategy file', collect, [])
    .action(async (opts: BacktestOptions) => {
      const result = await runBacktest(opts);
      process.stdout.write(`${result.ticks} trades read, ${result.trades} round trips → ${opts.out}\n`);
      if (result.ranking.length > 1) process.stdout.write(rankingCsv(result.ranking, '\t'));
    });
}

export interface TickSource {
  readonly ticks: AsyncIterable<TradeTick> | Iterable<TradeTick>;
  /** `ticks` of them went into the books */
  progressed(ticks: number): void;
  done(): void;
}

function progressBar(progress: BacktestOptions['progress'], format: string): SingleBar | null {
  if (typeof progress === 'object')
    return new SingleBar({ format, stream: progress, noTTYOutput: true, notTTYSchedule: 0 });
  return progress !== false && process.stderr.isTTY ? new SingleBar({ format, hideCursor: true }) : null;
}

async function fileSource(
  file: string,
  format: BacktestOptions['format'],
  strategy: Strategy,
  showProgress: BacktestOptions['progress'],
): Promise<TickSource> {
  if (format === undefined)
    throw new NexuralError('NXR_CONFIG_INVALID', `--trades ${file} needs --format`, { option: '--format' });
  const size = (await stat(file)).size;
  const progress = progressBar(showProgress, 'backtest |{bar}| {percentage}% · {value} bytes');
  progress?.start(size, 0);
  const bytesPerTrade = await averageLineBytes(file);
  const lines = readTradeFileLines(file, {
    format,
    venue: strategy.venue,
    symbol: strategy.symbol ?? symbolFromFileName(file),
  });
  return {
    ticks: (async function* () {
      for await (const { tick } of lines) yield tick;
    })(),
    progressed: (ticks) => progress?.update(Math.min(size, Math.round(ticks * bytesPerTrade))),
    done: () => {
      progress?.update(size);
      progress?.stop();
    },
  };
}

/**
 * The strategy's trades from the raw trades topic of the log the environment selects (Kafka with
 * KAFKA_BROKERS, else the embedded log in NEXURAL_DATA_DIR, where `npm start` and `nexural ingest` keep it),
 * in the range `--from`/`--to`, read first (the progress bar counts the range's records), then replayed.
 */
async function rangeSource(
  options: BacktestOptions,
  strategy: Strategy,
  env: Pick<Env, 'KAFKA_BROKERS' | 'KAFKA_CLIENT_ID' | 'NEXURAL_DATA_DIR'>,
): Promise<TickSource> {
  if (options.format !== undefined)
    throw new NexuralError('NXR_CONFIG_INVALID', '--format goes with --trades FILE', { option: '--format' });
  const log = streamLogFromEnv(env);
  const progress = progressBar(
    options.progress,
    'backtest |{bar}| {percentage}% · {value}/{total} records read',
  );
  let started = false;
  try {
    const range = await readTradeRange({
      log,
      topic: topicNames().trades,
      from: options.from,
      to: options.to,
      keys: strategySymbols(strategy).map((symbol) => `${strategy.venue}:${symbol}`),
      onProgress: (scanned, total) => {
        if (!started) progress?.start(Math.max(1, total), 0);
        started = true;
        progress?.update(scanned);
      },
    });
    options.onRange?.({ scanned: range.scanned, invalid: range.invalid, ticks: range.ticks.length });
    return { ticks: range.ticks, progressed: () => {}, done: () => progress?.stop() };
  } finally {
    await log.close();
  }
}

/** Bytes per line over the file's first 64 KiB: how far the progress bar has read. */
async function averageLineBytes(file: string): Promise<number> {
  const handle = await open(file, 'r');
  const buffer = Buffer.alloc(65_536);
  const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
  await handle.close();
  const head = buffer.subarray(0, bytesRead);
  const lines = head.toString('utf8').split('\n').length - 1;
  return lines > 0 ? head.length / lines : 1;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];
