import { expect, it } from 'vitest';
import { deadLetterSchema } from '../../../schemas/dead-letter.js';
import type { OutgoingRecord, StreamLog } from '../../../schemas/ports/stream-log.js';
import type { TradeTick } from '../../../schemas/tick.js';
import { type TestResources, until } from '../log/testing/stream-log-test-kit.js';
import { createJsonSerde } from '../serdes/record-serde.js';
import { deadLetterRecords, routeRawTrades } from './dead-letter-router.js';
import { DuplicateWindow } from './duplicate-window.js';

// The first trades of binance_um_BTCUSDT_trades_2024-08-08T235416Z_2024-08-08T235959Z.csv (../shared/data).
const realTrades = [
  { tradeId: '5266583935', price: '61800.30', size: '0.006', time: 1723161256322 },
  { tradeId: '5266583936', price: '61800.30', size: '0.199', time: 1723161256344 },
  { tradeId: '5266583937', price: '61800.30', size: '0.045', time: 1723161256431 },
].map((trade) => ({ venue: 'binance-um', symbol: 'BTCUSDT', side: 'buy', ...trade }));

const key = 'binance-um:BTCUSDT';

/** Part of the stream-log contract: bad raw records reach the dead-letter topic with code, reason and source. */
export function deadLetterRoutingContract(
  harness: () => { readonly log: StreamLog; readonly resources: TestResources },
  timeoutMs: number,
): void {
  it(
    'routes bad raw trades to the dead-letter topic with code, reason and source offset; good ones pass',
    async () => {
      const { log, resources } = harness();
      const raw = await resources.topic(2, false, 'trades-raw');
      const dlq = await resources.topic(1, false, 'dlq');
      const json = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');
      const first = realTrades[0];
      const sent: { record: OutgoingRecord; expected: string | null }[] = [
        ...realTrades.map((trade) => ({ record: { topic: raw, key, value: json(trade) }, expected: null })),
        {
          record: { topic: raw, key, value: Buffer.from('{"venue":"binance-um",') },
          expected: 'NXR_PARSE_FAILED',
        },
        { record: { topic: raw, key, value: Buffer.from([0xff, 0xfe, 0x00]) }, expected: 'NXR_PARSE_FAILED' },
        {
          record: { topic: raw, key, value: json({ ...first, tradeId: '9', price: '-61800.30' }) },
          expected: 'NXR_BAD_VALUE',
        },
        {
          record: { topic: raw, key, value: json({ ...first, time: 1723161256 }) },
          expected: 'NXR_BAD_VALUE',
        },
        {
          record: { topic: raw, key, value: json({ ...first, venue: 'Binance' }) },
          expected: 'NXR_SCHEMA_INVALID',
        },
        { record: { topic: raw, key, value: json(first) }, expected: 'NXR_DUPLICATE' },
      ];
      const producer = await log.createProducer();
      const positions = await producer.send(sent.map(({ record }) => record));
      const serde = createJsonSerde(dlq, deadLetterSchema, { validateOnWrite: true });
      const duplicates = new DuplicateWindow(1000);
      const ticks: TradeTick[] = [];
      await resources.collect({
        groupId: resources.group(),
        topics: [raw],
        handler: async (batch) => {
          const routed = routeRawTrades(batch.records, { duplicates });
          ticks.push(...routed.ticks.map(({ tick }) => tick));
          await producer.send(await deadLetterRecords(routed.deadLetters, serde));
        },
      });
      const reader = await resources.collect({ groupId: resources.group(), topics: [dlq] });
      const bad = sent.filter(({ expected }) => expected !== null).length;
      await until(() => reader.records.length >= bad, `${bad} dead letters`, timeoutMs);
      expect(ticks.map((tick) => tick.tradeId)).toEqual(realTrades.map((trade) => trade.tradeId));
      expect(ticks[0]).toEqual({
        kind: 'trade',
        venue: 'binance-um',
        symbol: 'BTCUSDT',
        tradeId: '5266583935',
        timeUs: 1723161256322000,
        price: 61800.3,
        size: 0.006,
        aggressor: 'buy',
      });
      const deadLetters = await Promise.all(
        reader.records.map((entry) => (entry.value === null ? null : serde.deserialize(entry.value))),
      );
      const expectedBySource = new Map(
        sent.map(({ expected }, index) => {
          const position = positions[index];
          return [`${position?.partition}:${position?.offset}`, expected];
        }),
      );
      for (const deadLetter of deadLetters) {
        expect(deadLetter?.source?.topic).toBe(raw);
        const code = expectedBySource.get(`${deadLetter?.source?.partition}:${deadLetter?.source?.offset}`);
        expect(deadLetter?.code).toBe(code);
        expect(deadLetter?.key).toBe(key);
        expect(deadLetter?.reason.length).toBeGreaterThan(10);
      }
      expect(deadLetters.map((deadLetter) => deadLetter?.code).sort()).toEqual(
        sent.flatMap(({ expected }) => (expected === null ? [] : [expected])).sort(),
      );
    },
    timeoutMs * 3,
  );
}
