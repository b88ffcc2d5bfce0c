/**
 * Serializer cost per record for the derived topics: plain JSON, zod validation, and the Confluent JSON
 * Schema serializer with and without its own (ajv) validation. Decides whether JSON Schema validation on
 * every record fits a 300k records/s budget (≈ 3.3 µs per record for everything, on one core).
 * Run: `npx tsx bench/serde-cost.ts [records]` (default 200,000). Prints a table; asserts nothing.
 *
 * Values: Binance's official BTCUSDT UM 1m klines (../shared/data/binance_um_BTCUSDT_klines_1m_…csv) as
 * bars. The registry is the in-memory `mock://` client: after the first record the serializer only hits
 * its caches, so this is the per-record CPU cost, not network time.
 */

import { readFileSync } from 'node:fs';
import {
  JsonDeserializer,
  JsonSerializer,
  SchemaRegistryClient,
  SerdeType,
} from '@confluentinc/schemaregistry';
import { createRegistrySerde, registerBackward } from '../pipeline/runtime/serdes/registry-serde.js';
import { type Bar, barSchema } from '../schemas/bar.js';
import { jsonSchemaOf } from '../schemas/json-schema.js';

const records = Number(process.argv[2] ?? 200_000);
const klines = new URL(
  '../../shared/data/binance_um_BTCUSDT_klines_1m_2024-08-08T2340Z_2024-08-09T0009Z.csv',
  import.meta.url,
);

const bars: Bar[] = readFileSync(klines, 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => {
    const [openTime, open, high, low, close, volume, closeTime, quoteVolume, count, takerBuyVolume] =
      line.split(',');
    return {
      venue: 'binance-um',
      symbol: 'BTCUSDT',
      interval: '1m',
      openTime: Number(openTime),
      closeTime: Number(closeTime),
      open: Number(open),
      high: Number(high),
      low: Number(low),
      close: Number(close),
      volume: Number(volume),
      quoteVolume: Number(quoteVolume),
      trades: Number(count),
      takerBuyVolume: Number(takerBuyVolume),
      final: true,
      revision: 0,
    };
  });

/** Wall time and CPU time per record: on a shared machine CPU time is the steadier figure. */
async function measure(
  name: string,
  step: (bar: Bar) => unknown | Promise<unknown>,
): Promise<[string, number, number]> {
  for (let i = 0; i < 20_000; i++) await step(bars[i % bars.length] as Bar); // warm up the JIT and caches
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < records; i++) await step(bars[i % bars.length] as Bar);
  const wall = Number(process.hrtime.bigint() - start) / records;
  const used = process.cpuUsage(cpu);
  return [name, wall, ((used.user + used.system) * 1000) / records];
}

const client = SchemaRegistryClient.newClient({ baseURLs: ['mock://'] });
const topic = 'bench.bars';
const id = await registerBackward(client, `${topic}-value`, JSON.stringify(jsonSchemaOf('bar', 'draft-7')));
const base = { autoRegisterSchemas: false, useSchemaId: id, subjectNameStrategyType: 'TOPIC' as never };
const plain = new JsonSerializer(client, SerdeType.VALUE, { ...base, validate: false });
const validating = new JsonSerializer(client, SerdeType.VALUE, { ...base, validate: true });
const reader = new JsonDeserializer(client, SerdeType.VALUE, {
  subjectNameStrategyType: base.subjectNameStrategyType,
});
const encoded = await plain.serialize(topic, bars[0]);
const nexural = await createRegistrySerde({ client, topic, schemaName: 'bar' });
const nexuralChecked = await createRegistrySerde({ client, topic, schemaName: 'bar', validateOnWrite: true });

const rows = [
  await measure('JSON.stringify → Buffer (floor)', (bar) => Buffer.from(JSON.stringify(bar))),
  await measure('zod barSchema.parse', (bar) => barSchema.parse(bar)),
  await measure('zod parse + JSON (embedded serde, validateOnWrite)', (bar) =>
    Buffer.from(JSON.stringify(barSchema.parse(bar))),
  ),
  await measure('Confluent JsonSerializer, validate: false', (bar) => plain.serialize(topic, bar)),
  await measure('zod parse + Confluent, validate: false', (bar) =>
    plain.serialize(topic, barSchema.parse(bar)),
  ),
  await measure('Confluent JsonSerializer, validate: true (ajv)', (bar) => validating.serialize(topic, bar)),
  await measure('Nexural registry serde (same bytes, id fixed)', (bar) => nexural.serialize(bar)),
  await measure('Nexural registry serde + zod (validateOnWrite)', (bar) => nexuralChecked.serialize(bar)),
  await measure('Confluent JsonDeserializer, validate: false', () => reader.deserialize(topic, encoded)),
  await measure('Confluent JsonDeserializer + zod parse', async () =>
    barSchema.parse(await reader.deserialize(topic, encoded)),
  ),
];

console.log(
  `\nserializer cost per bar record (${records.toLocaleString('en')} records, Node ${process.version})\n`,
);
console.log(
  `${'step'.padEnd(56)}${'wall ns'.padStart(9)}${'cpu ns'.padStart(9)}${'records/s (cpu)'.padStart(17)}`,
);
for (const [name, wall, cpu] of rows) {
  const rate = Math.round(1e9 / cpu).toLocaleString('en');
  console.log(
    `${name.padEnd(56)}${wall.toFixed(0).padStart(9)}${cpu.toFixed(0).padStart(9)}${rate.padStart(17)}`,
  );
}
