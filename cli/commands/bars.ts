import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { z } from 'zod';
import { BarAggregator } from '../../pipeline/bars/bar-aggregator.js';
import type { BarView } from '../../pipeline/bars/bar-state.js';
import { readTradeFile, symbolFromFileName } from '../../pipeline/readers/read-trades.js';
import { tradeFileFormats } from '../../pipeline/readers/trade-formats.js';
import { NexuralError } from '../../schemas/errors.js';
import { intervalSchema } from '../../schemas/interval.js';
import { symbolSchema, venueSchema } from '../../schemas/market.js';
import { parseCommandOptions } from '../option-problems.js';

const barsOptionsSchema = z.object({
  trades: z.string().min(1).describe('trades file'),
  format: z.enum(tradeFileFormats).describe('trades file format'),
  interval: z.array(intervalSchema).min(1, { error: 'give at least one, e.g. --interval 1m' }),
  venue: venueSchema.default('binance'),
  symbol: symbolSchema.optional().describe('symbol of the trades; default: from a Binance file name'),
  lateness: z.coerce
    .number()
    .int()
    .min(0)
    .default(0)
    .describe('allowed lateness (ms) for out-of-order lines; later trades are dropped with a warning'),
  firstBar: z
    .enum(['skip', 'keep'])
    .default('skip')
    .describe(
      'the first time bar of each interval: skip (as the pipeline does: it may have started mid-bar) or keep',
    ),
});

export type BarsOptions = z.input<typeof barsOptionsSchema>;

export interface BarsRun {
  readonly ticks: number;
  readonly bars: number;
  readonly lateTicks: number;
}

const COLUMNS = 'open_time,open,high,low,close,volume,quote_volume,trades,taker_buy_volume,jumped_from';

/**
 * Reads a trades file and writes its final bars as CSV, exactly the bars the pipeline stores for the same
 * trades: the first (maybe partial) time bar of each interval skipped unless `firstBar: 'keep'`, empty
 * intervals as flat bars (at most the pipeline's 1440 in a row: the bar after a longer gap names the open
 * time of the bar before it in `jumped_from`, empty otherwise), everything finalized at the end.
 * Rows come in emission order; with several intervals a leading `interval` column tells them apart.
 */
export async function runBars(options: BarsOptions, output: Writable, warnings: Writable): Promise<BarsRun> {
  const valid = parseCommandOptions(barsOptionsSchema, options);
  const { trades: file, format, interval: intervals, venue, lateness, firstBar } = valid;
  const symbol = valid.symbol ?? (format === 'csv' ? undefined : symbolFromFileName(file));
  const withInterval = intervals.length > 1;
  const writer = new LineWriter(output);
  writer.push(withInterval ? `interval,${COLUMNS}` : COLUMNS);
  let bars = 0;
  let lateTicks = 0;
  let firstLate = '';
  const aggregator = new BarAggregator(
    {
      intervals,
      allowedLatenessMs: lateness,
      graceMs: 0,
      firstBar,
      emptyIntervals: 'flat',
      liveUpdates: false,
    },
    {
      bar: (bar) => {
        bars++;
        writer.push(withInterval ? `${bar.interval},${csvRow(bar)}` : csvRow(bar));
      },
      late: (late) => {
        if (lateTicks++ === 0) firstLate = late.reason;
      },
    },
  );
  let ticks = 0;
  let fileSymbol: string | undefined;
  for await (const tick of readTradeFile(file, { format, venue, symbol })) {
    fileSymbol ??= tick.symbol;
    if (tick.symbol !== fileSymbol) {
      throw new NexuralError(
        'NXR_FILE_INVALID',
        `${file}: trades of ${fileSymbol} and ${tick.symbol}; pick one symbol with --symbol`,
        { file },
      );
    }
    aggregator.add(tick);
    ticks++;
    if (writer.isFull()) await writer.flush();
    if (writer.closed) break;
  }
  aggregator.flush();
  await writer.flush();
  if (lateTicks > 0) {
    warnings.write(
      `nexural: warning: ${lateTicks} trades out of order by more than --lateness ${lateness} ms were left out (NXR_LATE_TICK); first: ${firstLate}\n`,
    );
  }
  return { ticks, bars, lateTicks };
}

function csvRow(bar: BarView): string {
  const exact = bar.toDecimals();
  const jumpedFrom = bar.jumpedFrom < 0 ? '' : bar.jumpedFrom;
  return `${bar.openTime},${exact.open},${exact.high},${exact.low},${exact.close},${exact.volume},${exact.quoteVolume},${bar.trades},${exact.takerBuyVolume},${jumpedFrom}`;
}

/** Batches lines, waits for the output to drain, and notices when the reader went away (`| head`). */
class LineWriter {
  private lines: string[] = [];
  closed = false;

  constructor(private readonly output: Writable) {
    const close = () => {
      this.closed = true;
    };
    output.on('error', close).on('close', close);
  }

  push(line: string): void {
    this.lines.push(line);
  }

  isFull(): boolean {
    return this.lines.length >= 1024;
  }

  async flush(): Promise<void> {
    if (this.lines.length === 0 || this.closed) return;
    const chunk = `${this.lines.join('\n')}\n`;
    this.lines = [];
    if (this.output.write(chunk)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.output.off('drain', done).off('close', done).off('error', done);
        resolve();
      };
      this.output.on('drain', done).on('close', done).on('error', done);
    });
  }
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerBarsCommand(program: Command): void {
  program
    .command('bars')
    .description('build bars from a trades file; prints final bars as CSV (times in epoch ms)')
    .requiredOption('--trades <file>', 'trades file (CSV)')
    .requiredOption('--format <format>', `file format: ${tradeFileFormats.join(', ')}`)
    .option('--interval <interval>', 'bar interval, repeatable: 1s…1d, 100t, 10v, 1000000q', collect, [])
    .option('--venue <venue>', 'venue of the trades', 'binance')
    .option('--symbol <symbol>', 'symbol of the trades (default: from a Binance file name)')
    .option('--lateness <ms>', 'allowed lateness for out-of-order lines, ms', '0')
    .option(
      '--first-bar <policy>',
      'first time bar of each interval: skip (as the pipeline stores) or keep (the file starts on a bar boundary)',
      'skip',
    )
    .action(async (options: BarsOptions) => {
      await runBars(options, process.stdout, process.stderr);
    });
}
