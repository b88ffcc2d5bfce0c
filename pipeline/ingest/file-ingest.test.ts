import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { rawTradeSchema, type TradeTick } from '../../schemas/tick.js';
import { readTradeFile } from '../readers/read-trades.js';
import { capturingProducer } from './feeds/testing/local-exchange-test-kit.js';
import { type FileSource, publishFile, scanFile } from './file-ingest.js';
import { RawPublisher } from './raw-publisher.js';

// Real Binance spot ETHUSDT trades (samples/README.md): 14,515 lines
const sample = fileURLToPath(
  new URL('./samples/binance_spot_ETHUSDT_trades_2024-08-08T235415Z_2024-08-09T000505Z.csv', import.meta.url),
);
const topics = { trades: 'raw.trades', quotes: 'raw.quotes' };
const dir = mkdtempSync(join(tmpdir(), 'nexural-ingest-'));
const writeLines = (name: string, lines: readonly string[]) => {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
};

async function publish(source: FileSource, speed = Number.POSITIVE_INFINITY) {
  const producer = capturingProducer();
  const result = await publishFile(source, new RawPublisher(producer, topics), { speed });
  return { ...result, records: producer.records };
}

describe('publishFile', () => {
  it('publishes a Binance trades file as raw-topic JSON that reads back as the same ticks, keyed venue:symbol', async () => {
    const source: FileSource = {
      file: sample,
      format: 'binance-trades',
      venue: 'binance',
      symbol: 'ETHUSDT',
    };
    const { ticks, records } = await publish(source);
    const expected: TradeTick[] = [];
    for await (const tick of readTradeFile(sample, {
      format: 'binance-trades',
      venue: 'binance',
      symbol: 'ETHUSDT',
    })) {
      expected.push(tick);
    }
    expect(ticks).toBe(14_515);
    expect(records.map((record) => rawTradeSchema.parse(JSON.parse(String(record.value))))).toEqual(expected);
    expect(new Set(records.map((record) => `${record.topic} ${record.key}`))).toEqual(
      new Set(['raw.trades binance:ETHUSDT']),
    );
  });

  it('publishes NDJSON lines verbatim (decimal strings kept), keeping only --symbol when given', async () => {
    const lines = [
      '{"venue":"binance","symbol":"BTCUSDT","tradeId":"1","time":1723161256322,"price":"61800.30","size":"0.006","side":"buy"}',
      '{"venue":"binance","symbol":"ETHUSDT","tradeId":"7","time":1723161256400,"price":"2590.10","size":"1.5","side":"sell"}',
      '',
      '{"venue":"binance","symbol":"BTCUSDT","tradeId":"2","timeUs":1723161256500123,"price":61800.4,"size":0.01}',
    ];
    const file = writeLines('trades.ndjson', lines);
    const all = await publish({ file, format: 'ndjson', venue: 'ignored' });
    expect(all.records.map((record) => String(record.value))).toEqual([lines[0], lines[1], lines[3]]);
    expect(all.records.map((record) => record.key)).toEqual([
      'binance:BTCUSDT',
      'binance:ETHUSDT',
      'binance:BTCUSDT',
    ]);
    const btc = await publish({ file, format: 'ndjson', venue: 'ignored', symbol: 'BTCUSDT' });
    expect(btc.ticks).toBe(2);
  });

  it('paces by recorded event time divided by the speed', async () => {
    const file = writeLines(
      'paced.ndjson',
      [0, 200, 400].map(
        (offset, index) =>
          `{"venue":"v","symbol":"S","tradeId":"${index}","time":${1_723_161_256_000 + offset},"price":"1","size":"1"}`,
      ),
    );
    const startedAt = performance.now();
    await publish({ file, format: 'ndjson', venue: 'v' }, 4);
    // the last trade is 400 ms after the first: due 100 ms in at 4×
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(90);
  });
});

describe('scanFile', () => {
  it('counts the trades and their time span', async () => {
    const scan = await scanFile({
      file: sample,
      format: 'binance-trades',
      venue: 'binance',
      symbol: 'ETHUSDT',
    });
    expect(scan).toEqual({
      ticks: 14_515,
      firstTimeUs: expect.any(Number),
      lastTimeUs: expect.any(Number),
      symbols: ['binance:ETHUSDT'],
    });
    expect(new Date((scan.firstTimeUs ?? 0) / 1000).toISOString().slice(0, 16)).toBe('2024-08-08T23:54');
  });

  it('names the file, line and field of a bad NDJSON line', async () => {
    const file = writeLines('bad.ndjson', [
      '{"venue":"binance","symbol":"BTCUSDT","tradeId":"1","time":1723161256322,"price":"61800.30","size":"0.006"}',
      '{"venue":"binance","symbol":"BTCUSDT","tradeId":"2","time":1723161256322,"price":"-3","size":"0.006"}',
    ]);
    await expect(scanFile({ file, format: 'ndjson', venue: 'binance' })).rejects.toMatchObject({
      code: 'NXR_FILE_INVALID',
      message: `${file} line 2: price: price must be > 0 (got "-3")`,
      details: { file, line: 2, field: 'price' },
    });
    const notJson = writeLines('notjson.ndjson', ['{"venue":']);
    await expect(scanFile({ file: notJson, format: 'ndjson', venue: 'binance' })).rejects.toMatchObject({
      code: 'NXR_FILE_INVALID',
      message: expect.stringContaining('line 1: not JSON'),
    });
  });
});
