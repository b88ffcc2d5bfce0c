import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { MarketEngine } from '../../pipeline/engine/market-engine.js';
import { readTradeFile } from '../../pipeline/readers/read-trades.js';
import { parseProcessorConfig } from '../../pipeline/runtime/processor/processor-config.js';
import { type BarsOptions, runBars } from './bars.js';

// Real Binance data; origins in ../shared/data/README.md.
const dataFile = (name: string) => fileURLToPath(new URL(`../../../shared/data/${name}`, import.meta.url));
const UM_TRADES = dataFile('binance_um_BTCUSDT_trades_2024-08-08T235416Z_2024-08-08T235959Z.csv');
const UM_KLINES = dataFile('binance_um_BTCUSDT_klines_1m_2024-08-08T2340Z_2024-08-09T0009Z.csv');
const XRP_AGG_TRADES = dataFile('binance_spot_XRPETH_aggTrades_2019-10-11_2019-10-13.csv');
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

const scratch = mkdtempSync(join(tmpdir(), 'nexural-bars-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const writeScratch = (name: string, text: string) => {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
};

function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

async function bars(options: BarsOptions) {
  const output = sink();
  const warnings = sink();
  const run = await runBars(options, output.stream, warnings.stream);
  return {
    run,
    rows: parse(output.text(), { columns: true }) as Record<string, string>[],
    warnings: warnings.text(),
  };
}

/** "61800.30" and "1482.0" as the canonical spelling of their value. */
const exact = (decimal = '') =>
  decimal.includes('.') ? decimal.replace(/0+$/, '').replace(/\.$/, '') : decimal;

describe('nexural bars', () => {
  it('prints 1m bars of Binance UM trades equal to Binance’s klines, skipping the partial first minute', async () => {
    const { rows, run } = await bars({ trades: UM_TRADES, format: 'binance-trades', interval: ['1m'] });
    expect(run).toEqual({ ticks: 21_313, bars: 5, lateTicks: 0 });
    expect(rows.map((row) => row.open_time)).toEqual(
      ['23:55', '23:56', '23:57', '23:58', '23:59'].map((minute) =>
        String(Date.parse(`2024-08-08T${minute}:00Z`)),
      ),
    );
    const klines = parse(readFileSync(UM_KLINES, 'utf8'), { columns: true }) as Record<string, string>[];
    for (const row of rows) {
      const kline = klines.find((candidate) => candidate.open_time === row.open_time);
      expect(row).toEqual({
        open_time: kline?.open_time,
        open: exact(kline?.open),
        high: exact(kline?.high),
        low: exact(kline?.low),
        close: exact(kline?.close),
        volume: exact(kline?.volume),
        quote_volume: exact(kline?.quote_volume),
        trades: kline?.count,
        taker_buy_volume: exact(kline?.taker_buy_volume),
        jumped_from: '',
      });
    }
  });

  it('keeps the partial first minute with --first-bar keep', async () => {
    const { rows, run } = await bars({
      trades: UM_TRADES,
      format: 'binance-trades',
      interval: ['1m'],
      firstBar: 'keep',
    });
    expect(run.bars).toBe(6);
    expect(rows[0]?.open_time).toBe('1723161240000'); // 23:54, from 23:54:16 on: partial
  });

  it('prints exactly the final bars the pipeline stores for the same trades (processor defaults)', async () => {
    const intervals = ['1m', '5m', '15s'];
    const { rows } = await bars({
      trades: XRP_AGG_TRADES,
      format: 'binance-aggtrades',
      interval: intervals,
    });
    // The engine as `nexural run` configures it; only the intervals differ from its defaults.
    const { engine: config } = parseProcessorConfig({
      engine: { bars: { intervals }, indicators: [], liveBarThrottleMs: 1000 },
    });
    const finals: string[] = [];
    const engine = new MarketEngine(config, {
      bar: (bar) => {
        if (!bar.final) return;
        const exact = bar.toDecimals();
        finals.push(
          [bar.interval, bar.openTime, exact.open, exact.high, exact.low, exact.close, exact.volume]
            .concat([exact.quoteVolume, String(bar.trades), exact.takerBuyVolume])
            .concat(bar.jumpedFrom < 0 ? '' : String(bar.jumpedFrom))
            .join(','),
        );
      },
      indicator: () => {},
      alert: () => {},
      late: () => {},
    });
    let offset = 0;
    for await (const tick of readTradeFile(XRP_AGG_TRADES, {
      format: 'binance-aggtrades',
      venue: 'binance',
      symbol: 'XRPETH',
    })) {
      engine.add(tick, { topic: 'nexural.trades.raw', partition: 0, offset: String(offset++) });
    }
    engine.flush();
    expect(finals.length).toBeGreaterThan(4000);
    expect(rows.map((row) => Object.values(row).join(','))).toEqual(finals);
    // the first minute (11 Oct 2019 00:00, aggTrades from 00:00:11 on) is in neither
    expect(rows.some((row) => row.interval === '1m' && row.open_time === '1570752000000')).toBe(false);
  });

  it('adds a leading interval column for several intervals and prints flat bars for empty minutes', async () => {
    const { rows } = await bars({
      trades: XRP_AGG_TRADES,
      format: 'binance-aggtrades',
      interval: ['1m', '5m'],
    });
    expect(rows.filter((row) => row.interval === '1m')).toHaveLength(3559);
    expect(rows.filter((row) => row.interval === '5m')).toHaveLength(711);
    // binance_spot_XRPETH_ohlcv_1m_…csv: 1570752180000 is an empty minute at the previous close 0.0014158
    expect(rows.find((row) => row.interval === '1m' && row.open_time === '1570752180000')).toEqual({
      interval: '1m',
      open_time: '1570752180000',
      open: '0.0014158',
      high: '0.0014158',
      low: '0.0014158',
      close: '0.0014158',
      volume: '0',
      quote_volume: '0',
      trades: '0',
      taker_buy_volume: '0',
      jumped_from: '',
    });
  });

  it('fills at most 1,440 flat bars, as the pipeline does, and names where a longer gap began in jumped_from', async () => {
    const file = writeScratch(
      'gap.csv',
      'time,price,size,side\n2024-08-08T23:54:10Z,1,1,buy\n2024-08-11T23:55:10Z,2,1,sell\n',
    );
    const { rows } = await bars({
      trades: file,
      format: 'csv',
      interval: ['1m'],
      symbol: 'BTCUSDT',
      firstBar: 'keep',
    });
    const first = String(Date.parse('2024-08-08T23:54:00Z'));
    expect(rows).toHaveLength(1 + 1440 + 1);
    expect(rows.slice(0, 1441).every((row) => row.jumped_from === '')).toBe(true);
    expect(rows.at(-1)).toMatchObject({
      open_time: String(Date.parse('2024-08-11T23:55:00Z')),
      close: '2',
      jumped_from: String(Date.parse('2024-08-09T23:54:00Z')),
    });
    expect(rows[0]?.open_time).toBe(first);
  });

  it('leaves out lines older than --lateness with a warning, and keeps them within it', async () => {
    const file = writeScratch(
      'shuffled.csv',
      'time,price,size,side\n2024-08-08T23:54:10Z,1,1,buy\n2024-08-08T23:55:10Z,2,1,sell\n2024-08-08T23:54:50Z,3,1,buy\n',
    );
    const strict = await bars({
      trades: file,
      format: 'csv',
      interval: ['1m'],
      symbol: 'BTCUSDT',
      firstBar: 'keep',
    });
    expect(strict.run.lateTicks).toBe(1);
    expect(strict.warnings).toContain('1 trades out of order by more than --lateness 0 ms were left out');
    const lenient = await bars({
      trades: file,
      format: 'csv',
      interval: ['1m'],
      symbol: 'BTCUSDT',
      lateness: '60000',
      firstBar: 'keep',
    });
    expect(lenient.warnings).toBe('');
    expect(lenient.rows.map((row) => [row.close, row.trades])).toEqual([
      ['3', '2'],
      ['2', '1'],
    ]);
  });

  it('refuses a bad line naming file, line and field', async () => {
    const file = writeScratch(
      'bad.csv',
      'trade_id,price,qty,transact_time,is_buyer_maker\n1,1.5,2,1723161256322,true\n2,1.5,x2,1723161256322,true\n',
    );
    await expect(
      bars({ trades: file, format: 'binance-trades', interval: ['1m'], symbol: 'BTCUSDT' }),
    ).rejects.toMatchObject({
      code: 'NXR_FILE_INVALID',
      message: `${file} line 3: qty "x2" is not a decimal >= 0`,
    });
  });

  it('refuses bad options naming the flag', async () => {
    await expect(
      bars({ trades: UM_TRADES, format: 'binance-trades', interval: ['2w'] }),
    ).rejects.toMatchObject({
      code: 'NXR_CONFIG_INVALID',
      message: expect.stringMatching(/^--interval \["2w"\]: interval "2w"/),
    });
  });

  it('exits non-zero with one clear line and no stack trace for a bad file', () => {
    const file = writeScratch(
      'bad-cli.csv',
      'id,price,qty,quote_qty,time,is_buyer_maker\n1,-5,2,1,1723161256322,true\n',
    );
    const result = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'cli/main.ts',
        'bars',
        '--trades',
        file,
        '--format',
        'binance-trades',
        '--interval',
        '1m',
        '--symbol',
        'BTCUSDT',
      ],
      { cwd: repoRoot, encoding: 'utf8' },
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `nexural: NXR_FILE_INVALID: ${file} line 2: price "-5" is not a decimal > 0\n`,
    );
    expect(result.stdout).toBe('');
  });
});
