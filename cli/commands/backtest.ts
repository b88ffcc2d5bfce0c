import { mkdir, open, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { equityCsv, metricsOf, reportHtml, tradesCsv } from '../../consumers/strategy/run-files.js';
import { type FinalBar, StrategyBook } from '../../consumers/strategy/strategy-book.js';
import { MarketEngine } from '../../pipeline/engine/market-engine.js';
import { parseIndicatorSpec } from '../../pipeline/indicators/registry.js';
import { ingestFormats } from '../../pipeline/ingest/file-ingest.js';
import { readTradeFileLines, symbolFromFileName } from '../../pipeline/readers/read-trades.js';
import { NexuralError } from '../../schemas/errors.js';
import { intervalOf } from '../../schemas/interval.js';
import {
  parseStrategy,
  type Strategy,
  type StrategyCondition,
  strategySymbols,
} from '../../schemas/strategy.js';

export interface BacktestOptions {
  readonly strategy: string;
  readonly trades: string;
  readonly format: Exclude<(typeof ingestFormats)[number], 'ndjson'>;
  readonly out: string;
  readonly progress?: boolean;
}

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

export async function readStrategy(file: string): Promise<{ strategy: Strategy; indicators: string[] }> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new NexuralError('NXR_FILE_INVALID', `${file}: ${(error as Error).message}`, { file });
  }
  const parsed = parseStrategy(json, file);
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
export async function runBacktest(options: BacktestOptions): Promise<{ ticks: number; trades: number }> {
  const { strategy, indicators } = await readStrategy(options.strategy);
  const book = new StrategyBook(strategy);
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
  const symbol = strategy.symbol ?? symbolFromFileName(options.trades);
  const size = (await stat(options.trades)).size;
  const progress =
    options.progress !== false && process.stderr.isTTY
      ? new SingleBar({ format: 'backtest |{bar}| {percentage}% · {value} trades', hideCursor: true })
      : null;
  progress?.start(size, 0);
  const bytesPerTrade = await averageLineBytes(options.trades);
  let ticks = 0;
  let first = Number.NaN;
  let advancedTo = Number.NEGATIVE_INFINITY;
  const drain = () => {
    for (const { bar } of pending.splice(0)) book.onBar(bar);
  };
  for await (const { tick } of readTradeFileLines(options.trades, {
    format: options.format,
    venue: strategy.venue,
    symbol,
  })) {
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
    book.onTrade({ symbol: tick.symbol, timeUs: tick.timeUs, price: tick.price });
    if (progress && ticks % 10_000 === 0) progress.update(Math.min(size, ticks * bytesPerTrade));
  }
  engine.flush();
  drain();
  book.finish();
  progress?.update(size);
  progress?.stop();
  const interval = intervalOf(strategy.interval);
  const metrics = metricsOf(
    book,
    interval.kind === 'time' ? interval.ms : null,
    Number.isNaN(first) ? 0 : first,
  );
  await mkdir(options.out, { recursive: true });
  await writeFile(join(options.out, 'trades.csv'), tradesCsv(book.trades));
  await writeFile(join(options.out, 'equity.csv'), equityCsv(book.equity));
  await writeFile(join(options.out, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
  await writeFile(join(options.out, 'report.html'), reportHtml(strategy, book, metrics));
  return { ticks, trades: book.trades.length };
}

export function registerBacktestCommand(program: Command): void {
  program
    .command('backtest')
    .description(
      'run a strategy (JSON, schemas/strategy.ts) over a recorded trades file; writes trades.csv, equity.csv, metrics.json, report.html',
    )
    .requiredOption('--strategy <file>', 'strategy JSON file')
    .requiredOption('--trades <file>', 'trades file')
    .requiredOption(
      '--format <format>',
      `file format: ${ingestFormats.filter((f) => f !== 'ndjson').join(', ')}`,
    )
    .requiredOption('--out <dir>', 'output directory')
    .option('--no-progress', 'no progress bar')
    .action(async (opts: BacktestOptions) => {
      const result = await runBacktest(opts);
      process.stdout.write(`${result.ticks} trades read, ${result.trades} round trips → ${opts.out}\n`);
    });
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
