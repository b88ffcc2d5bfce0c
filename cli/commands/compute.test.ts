import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { toOutputs } from '../../pipeline/indicators/indicator.js';
import { createIndicator } from '../../pipeline/indicators/registry.js';
import { readRealBars } from '../../pipeline/indicators/testing/real-bars.js';
import { isNexuralError } from '../../schemas/errors.js';
import { runCli } from '../run-cli.js';
import { registerComputeCommand, runCompute, splitIndicatorList } from './compute.js';

const dataFile = (name: string) => fileURLToPath(new URL(`../../../shared/data/${name}`, import.meta.url));
// Binance's official USDⓈ-M 1m klines: 30 rows, epoch-ms open_time, six extra columns the command must ignore.
const KLINES = 'binance_um_BTCUSDT_klines_1m_2024-08-08T2340Z_2024-08-09T0009Z.csv';
const BINANCE_US = 'binanceus/binanceus_BTCUSDT_1m_20230301_20230321.csv';

const scratch = mkdtempSync(join(tmpdir(), 'nexural-compute-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const writeScratch = (name: string, text: string) => {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
};

async function compute(barsFile: string, indicators: string): Promise<string[][]> {
  const chunks: string[] = [];
  const output = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  await runCompute({ barsFile, indicators, output });
  return parse(chunks.join(''), { relax_column_count: false }) as string[][];
}

async function failure(barsFile: string, indicators = 'sma(5)') {
  try {
    await compute(barsFile, indicators);
  } catch (error) {
    if (isNexuralError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('compute succeeded');
}

/** Expected CSV cells from the indicator classes themselves, fed the same bars. */
function expectedCells(specs: readonly string[], file: string, rows?: number): string[][] {
  const indicators = specs.map((spec) => createIndicator(spec));
  return readRealBars(file, 0, rows).map((bar) => [
    String(bar.openTime),
    ...indicators.flatMap((indicator) => {
      const result = indicator.add(bar);
      if (result === null) return indicator.outputs.map(() => '');
      const outputs = toOutputs(result);
      // Outputs not warm yet (ADX while ±DI already are) print as empty cells.
      return indicator.outputs.map((name) => (outputs[name] === undefined ? '' : String(outputs[name])));
    }),
  ]);
}

describe('nexural compute', () => {
  it('writes open_time then one column per output, empty until warm, equal to the indicator classes', async () => {
    const specs = ['sma(5)', 'rsi(14)', 'macd(5,10,3)', 'bbands(5,2)', 'vwap(1d)', 'adx(5)', 'obv'];
    const lines = await compute(dataFile(KLINES), 'sma(5), rsi ,macd(5,10,3),bbands(5,2),vwap,adx(5),obv');
    expect(lines[0]).toEqual([
      'open_time',
      'sma(5)',
      'rsi(14)',
      'macd(5,10,3).macd',
      'macd(5,10,3).signal',
      'macd(5,10,3).hist',
      'bbands(5,2).upper',
      'bbands(5,2).middle',
      'bbands(5,2).lower',
      'vwap(1d)',
      'adx(5).adx',
      'adx(5).plusDi',
      'adx(5).minusDi',
      'obv',
    ]);
    expect(lines.slice(1)).toEqual(expectedCells(specs, KLINES));
    expect(lines).toHaveLength(31);
    expect(lines[1]?.[0]).toBe('1723160400000');
    expect(lines[4]?.[1]).toBe('');
    expect(lines[5]?.[1]).not.toBe('');
  });

  it('reads date-time open_time values as UTC and prints epoch ms', async () => {
    const head = readFileSync(dataFile(BINANCE_US), 'utf8').split('\n').slice(0, 41).join('\n');
    const lines = await compute(writeScratch('binanceus-head.csv', head), 'ema(9)');
    expect(lines[1]?.[0]).toBe(String(Date.UTC(2023, 2, 1, 0, 0)));
    expect(lines.slice(1)).toEqual(expectedCells(['ema(9)'], BINANCE_US, 40));
  });

  it('splits the indicator list between specs only', () => {
    expect(splitIndicatorList('sma(20),macd(12,26,9), rsi ,')).toEqual(['sma(20)', 'macd(12,26,9)', 'rsi']);
  });

  it('names file, line and field for a bad value', async () => {
    const file = writeScratch(
      'bad-close.csv',
      'open_time,open,high,low,close,volume\n1723160400000,10,11,9,10,1\n1723160460000,10,11,9,abc,1\n',
    );
    expect(await failure(file)).toEqual({
      code: 'NXR_FILE_INVALID',
      message: `${file}: line 3: field close "abc": price must be a decimal number`,
    });
  });

  it('rejects a high below the low, a negative volume and an absurd time', async () => {
    const header = 'open_time,open,high,low,close,volume\n';
    const highBelow = writeScratch('high.csv', `${header}1723160400000,10,9,11,10,1\n`);
    expect((await failure(highBelow)).message).toBe(
      `${highBelow}: line 2: field high "9": high is below open, low or close`,
    );
    const negative = writeScratch('volume.csv', `${header}1723160400000,10,11,9,10,-1\n`);
    expect((await failure(negative)).message).toBe(
      `${negative}: line 2: field volume "-1": volume must be ≥ 0`,
    );
    const seconds = writeScratch('seconds.csv', `${header}1723160400,10,11,9,10,1\n`);
    expect((await failure(seconds)).message).toContain(
      'line 2: field open_time "1723160400": time before 1990',
    );
  });

  it('rejects bars out of time order', async () => {
    const file = writeScratch(
      'order.csv',
      'open_time,open,high,low,close,volume\n1723160460000,10,11,9,10,1\n1723160400000,10,11,9,10,1\n',
    );
    expect((await failure(file)).message).toBe(
      `${file}: line 3: open_time 1723160400000 is not after the previous bar's 1723160460000`,
    );
  });

  it('rejects a missing column, a ragged row, an empty file and a missing file', async () => {
    const noVolume = writeScratch(
      'no-volume.csv',
      'open_time,open,high,low,close\n1723160400000,10,11,9,10\n',
    );
    expect((await failure(noVolume)).message).toBe(
      `${noVolume}: line 1: no "volume" column in the header (need open_time,open,high,low,close,volume)`,
    );
    const ragged = writeScratch(
      'ragged.csv',
      'open_time,open,high,low,close,volume\n1723160400000,10,11,9\n',
    );
    expect(await failure(ragged)).toMatchObject({
      code: 'NXR_FILE_INVALID',
      message: expect.stringContaining(`${ragged}: line 2: `),
    });
    const empty = writeScratch('empty.csv', '');
    expect((await failure(empty)).message).toBe(
      `${empty}: line 1: empty file: expected a header open_time,open,high,low,close,volume`,
    );
    const missing = join(scratch, 'missing.csv');
    expect(await failure(missing)).toEqual({
      code: 'NXR_FILE_INVALID',
      message: `${missing}: cannot read (ENOENT)`,
    });
  });

  it('rejects an unknown indicator before reading the file', async () => {
    expect(await failure(dataFile(KLINES), 'sma(5),rsx')).toMatchObject({ code: 'NXR_UNKNOWN_INDICATOR' });
    expect(await failure(dataFile(KLINES), ' , ')).toMatchObject({ code: 'NXR_INDICATOR_PARAMS' });
  });

  it('prints one line and exits non-zero through the CLI, never a stack trace', async () => {
    const program = new Command('nexural').exitOverride();
    registerComputeCommand(program);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const exitCodeBefore = process.exitCode;
    try {
      const missing = join(scratch, 'nope.csv');
      await runCli(program, ['node', 'nexural', 'compute', '--bars', missing, '--indicators', 'rsi']);
      expect(process.exitCode).toBe(1);
      expect(stderr.mock.calls.map(([text]) => String(text))).toEqual([
        `nexural: NXR_FILE_INVALID: ${missing}: cannot read (ENOENT)\n`,
      ]);
    } finally {
      process.exitCode = exitCodeBefore;
      stderr.mockRestore();
    }
  });
});
