import { createReadStream } from 'node:fs';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { CsvError, parse } from 'csv-parse';
import { z } from 'zod';
import type { BarInput, Indicator } from '../../pipeline/indicators/indicator.js';
import { toOutputs } from '../../pipeline/indicators/indicator.js';
import { createIndicator, indicatorNames, parseIndicatorSpec } from '../../pipeline/indicators/registry.js';
import { NexuralError } from '../../schemas/errors.js';
import { epochMsSchema } from '../../schemas/market.js';

const BAR_COLUMNS = ['open_time', 'open', 'high', 'low', 'close', 'volume'] as const;
type BarColumn = (typeof BAR_COLUMNS)[number];

const numberText = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;
const decimal = (what: string) =>
  z
    .string()
    .regex(numberText, { error: `${what} must be a decimal number` })
    .transform(Number)
    .pipe(z.number().refine(Number.isFinite, { error: `${what} must be finite` }));

/** Epoch milliseconds, or a UTC date-time such as `2023-03-01 00:00:00+00:00` (no zone means UTC). */
const openTimeSchema = z
  .string()
  .transform((text, ctx) => {
    if (/^\d+$/.test(text)) return Number(text);
    const iso = text.replace(' ', 'T');
    const ms = Date.parse(/(Z|[+-]\d\d:?\d\d)$/i.test(iso) ? iso : `${iso}Z`);
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: 'custom', message: 'must be epoch ms or a date-time like 2023-03-01 00:00:00' });
      return z.NEVER;
    }
    return ms;
  })
  .pipe(epochMsSchema);

const price = decimal('price').pipe(z.number().positive({ error: 'price must be > 0' }));

const csvBarSchema = z
  .object({
    open_time: openTimeSchema,
    open: price,
    high: price,
    low: price,
    close: price,
    volume: decimal('volume').pipe(z.number().nonnegative({ error: 'volume must be ≥ 0' })),
  })
  .refine((bar) => bar.high >= Math.max(bar.open, bar.close, bar.low), {
    error: 'high is below open, low or close',
    path: ['high'],
  })
  .refine((bar) => bar.low <= Math.min(bar.open, bar.close), {
    error: 'low is above open or close',
    path: ['low'],
  });

/** Splits `sma(20),macd(12,26,9)` at the commas between specs, not those inside parentheses. */
export function splitIndicatorList(list: string): string[] {
  const specs: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= list.length; i++) {
    const char = list[i];
    if (char === '(') depth++;
    else if (char === ')') depth--;
    else if (i === list.length || (char === ',' && depth === 0)) {
      const spec = list.slice(start, i).trim();
      if (spec !== '') specs.push(spec);
      start = i + 1;
    }
  }
  return specs;
}

export interface ComputeOptions {
  /** CSV with a header naming open_time, open, high, low, close, volume (any order; other columns ignored). */
  readonly barsFile: string;
  /** Comma-separated indicator specs, e.g. `sma(20),rsi,macd(12,26,9)`. */
  readonly indicators: string;
  readonly output: Writable;
}

/** A csv-parse record with `info: true`: the cells and the line it ended on. */
interface ParsedRecord {
  readonly record: string[];
  readonly info: { readonly lines: number };
}

interface Column {
  readonly indicator: Indicator;
  readonly outputs: readonly string[];
}

/** Reads bars, runs the indicators over them and writes `open_time` + one column per output as CSV. */
export async function runCompute({
  barsFile,
  indicators,
  output,
}: ComputeOptions): Promise<{ rows: number }> {
  const specs = [
    ...new Map(
      splitIndicatorList(indicators)
        .map((s) => parseIndicatorSpec(s))
        .map((p) => [p.spec, p]),
    ).values(),
  ];
  if (specs.length === 0) {
    throw new NexuralError(
      'NXR_INDICATOR_PARAMS',
      `no indicators given; known: ${indicatorNames.join(', ')}`,
    );
  }
  const columns: Column[] = specs.map((parsed) => ({
    indicator: createIndicator(parsed),
    outputs: parsed.outputs,
  }));
  const header = specs.flatMap((parsed) =>
    parsed.outputs.length === 1 ? [parsed.spec] : parsed.outputs.map((name) => `${parsed.spec}.${name}`),
  );

  const fail = (line: number, message: string) =>
    new NexuralError('NXR_FILE_INVALID', `${barsFile}: line ${line}: ${message}`, { file: barsFile, line });
  const source = createReadStream(barsFile);
  const parser = parse({ bom: true, trim: true, skip_empty_lines: true, info: true });
  source.on('error', (error) => parser.destroy(error));
  source.pipe(parser);

  const writer = new CsvWriter(output);
  let positions: Record<BarColumn, number> | null = null;
  let previousTime = Number.NEGATIVE_INFINITY;
  let rows = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<ParsedRecord>) {
      if (positions === null) {
        positions = findColumns(record, (message) => fail(info.lines, message));
        await writer.line(['open_time', ...header].map(csvCell).join(','));
        continue;
      }
      const bar = readBar(record, positions, (message) => fail(info.lines, message));
      if (bar.openTime <= previousTime) {
        throw fail(info.lines, `open_time ${bar.openTime} is not after the previous bar's ${previousTime}`);
      }
      previousTime = bar.openTime;
      rows++;
      if (!(await writer.line(formatRow(bar, columns)))) break;
    }
  } catch (error) {
    throw asFileError(barsFile, error);
  } finally {
    source.destroy();
  }
  if (positions === null) throw fail(1, `empty file: expected a header ${BAR_COLUMNS.join(',')}`);
  await writer.flush();
  return { rows };
}

function findColumns(header: string[], fail: (message: string) => NexuralError): Record<BarColumn, number> {
  const names = header.map((name) => name.toLowerCase());
  const positions = {} as Record<BarColumn, number>;
  for (const column of BAR_COLUMNS) {
    const index = names.indexOf(column);
    if (index < 0) throw fail(`no "${column}" column in the header (need ${BAR_COLUMNS.join(',')})`);
    positions[column] = index;
  }
  return positions;
}

function readBar(
  record: string[],
  at: Record<BarColumn, number>,
  fail: (m: string) => NexuralError,
): BarInput {
  const cells = Object.fromEntries(BAR_COLUMNS.map((column) => [column, record[at[column]] ?? '']));
  const parsed = csvBarSchema.safeParse(cells);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue?.path[0] ?? 'row');
    const value = cells[field];
    throw fail(`field ${field}${value === undefined ? '' : ` "${value}"`}: ${issue?.message ?? 'invalid'}`);
  }
  const bar = parsed.data;
  return {
    openTime: bar.open_time,
    open: bar.open,
    high: bar.high,
    low: bar.low,
    close: bar.close,
    volume: bar.volume,
  };
}

/** A header cell, quoted when it holds a comma or a quote (`"macd(12,26,9).signal"`). */
const csvCell = (text: string): string => (/[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);

function formatRow(bar: BarInput, columns: readonly Column[]): string {
  let line = String(bar.openTime);
  for (const { indicator, outputs } of columns) {
    const result = indicator.add(bar);
    if (result === null) {
      line += ','.repeat(outputs.length);
      continue;
    }
    const values = toOutputs(result);
    for (const name of outputs) line += `,${values[name] ?? ''}`;
  }
  return line;
}

function asFileError(file: string, error: unknown): unknown {
  if (error instanceof NexuralError) return error;
  if (error instanceof CsvError) {
    const line = typeof error.lines === 'number' ? error.lines : undefined;
    return new NexuralError('NXR_FILE_INVALID', `${file}: ${line ? `line ${line}: ` : ''}${error.message}`, {
      file,
      line,
    });
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
    return new NexuralError('NXR_FILE_INVALID', `${file}: cannot read (${code})`, { file }, { cause: error });
  }
  return error;
}

/** Buffers lines and respects backpressure; stops quietly when the reader goes away (`| head`). */
class CsvWriter {
  private buffer: string[] = [];
  private closed = false;

  constructor(private readonly output: Writable) {
    output.on('error', () => {
      this.closed = true; // EPIPE and the like: nobody is reading any more
    });
    output.on('close', () => {
      this.closed = true;
    });
  }

  /** Queues a line; false once the output is gone. */
  async line(text: string): Promise<boolean> {
    this.buffer.push(text);
    if (this.buffer.length >= 512) await this.flush();
    return !this.closed;
  }

  async flush(): Promise<void> {
    if (this.buffer.length === 0 || this.closed) return;
    const chunk = `${this.buffer.join('\n')}\n`;
    this.buffer = [];
    if (!this.output.write(chunk)) await this.drained();
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.output.off('drain', done).off('close', done).off('error', done);
        resolve();
      };
      this.output.on('drain', done).on('close', done).on('error', done);
    });
  }
}

export function registerComputeCommand(program: Command): void {
  program
    .command('compute')
    .description('run indicators over a CSV of bars; prints open_time and one column per indicator output')
    .requiredOption(
      '--bars <file>',
      'CSV with header open_time,open,high,low,close,volume (extra columns ignored)',
    )
    .requiredOption(
      '--indicators <specs>',
      `comma-separated specs, e.g. "sma(20),rsi(14),macd(12,26,9)"; known: ${indicatorNames.join(', ')}`,
    )
    .action(async (options: { bars: string; indicators: string }) => {
      await runCompute({ barsFile: options.bars, indicators: options.indicators, output: process.stdout });
    });
}
