import {
  JsonSerializer,
  SchemaRegistryClient,
  SerdeType,
  SubjectNameStrategyType,
} from '@confluentinc/schemaregistry';
import { describe, expect, it } from 'vitest';
import { type Bar, barSchema } from '../../../schemas/bar.js';
import { isNexuralError } from '../../../schemas/errors.js';
import { createJsonSerde } from './record-serde.js';
import { createRegistrySerde } from './registry-serde.js';

// Binance's official 1m kline for BTCUSDT UM futures at 2024-08-08T23:55Z
// (../shared/data/binance_um_BTCUSDT_klines_1m_2024-08-08T2340Z_2024-08-09T0009Z.csv, line 17).
const bar: Bar = {
  venue: 'binance-um',
  symbol: 'BTCUSDT',
  interval: '1m',
  openTime: 1723161300000,
  closeTime: 1723161359999,
  open: 61807.7,
  high: 61839.9,
  low: 61760.3,
  close: 61760.3,
  volume: 136.45,
  quoteVolume: 8432904.6216,
  trades: 2005,
  takerBuyVolume: 57.185,
  final: true,
  revision: 0,
};

const mockClient = () => SchemaRegistryClient.newClient({ baseURLs: ['mock://'] });

describe('registry serde (mock registry)', () => {
  it('writes magic byte 0, the registered schema id, then the JSON, and reads it back', async () => {
    const client = mockClient();
    const serde = await createRegistrySerde({ client, topic: 'nexural.bars', schemaName: 'bar' });
    const bytes = await serde.serialize(bar);
    const id = (await client.getLatestSchemaMetadata('nexural.bars-value')).id;
    expect(serde.subject).toBe('nexural.bars-value');
    expect(bytes[0]).toBe(0);
    expect(bytes.readInt32BE(1)).toBe(id);
    expect(JSON.parse(bytes.subarray(5).toString('utf8'))).toEqual(bar);
    expect(await serde.deserialize(bytes)).toEqual(bar);
  });

  it('writes exactly the bytes the Confluent JsonSerializer writes, with or without its JSON Schema check', async () => {
    const client = mockClient();
    const fast = await createRegistrySerde({ client, topic: 'nexural.bars', schemaName: 'bar' });
    const checked = await createRegistrySerde({
      client,
      topic: 'nexural.bars',
      schemaName: 'bar',
      registryValidation: true,
    });
    const id = (await client.getLatestSchemaMetadata('nexural.bars-value')).id;
    const confluent = new JsonSerializer(client, SerdeType.VALUE, {
      autoRegisterSchemas: false,
      useSchemaId: id,
      subjectNameStrategyType: SubjectNameStrategyType.TOPIC,
    });
    const reference = await confluent.serialize('nexural.bars', bar);
    expect(await fast.serialize(bar)).toEqual(reference);
    expect(fast.serializeNow?.(bar)).toEqual(reference);
    expect(await checked.serialize(bar)).toEqual(reference);
    // the JSON Schema check is the library's, asynchronous: no bytes at once
    expect(checked.serializeNow).toBeUndefined();
    await expect(checked.serialize({ ...bar, trades: -1 })).rejects.toThrow(/Invalid message/);
  });

  it('refuses a value that breaks the zod schema when asked to validate on write, naming the field', async () => {
    const serde = await createRegistrySerde({
      client: mockClient(),
      topic: 'nexural.bars',
      schemaName: 'bar',
      validateOnWrite: true,
    });
    const error = await serde.serialize({ ...bar, high: -1 }).catch((caught: unknown) => caught);
    expect(isNexuralError(error) && error.code).toBe('NXR_SCHEMA_INVALID');
    expect(String(error)).toContain('high');
    expect(() => serde.serializeNow?.({ ...bar, high: -1 })).toThrow(/high/);
  });

  it('checks what it reads: bytes that are not registry JSON fail with NXR_PARSE_FAILED', async () => {
    const serde = await createRegistrySerde({
      client: mockClient(),
      topic: 'nexural.bars',
      schemaName: 'bar',
    });
    const error = await serde.deserialize(Buffer.from('{"open":1}')).catch((caught: unknown) => caught);
    expect(isNexuralError(error) && error.code).toBe('NXR_PARSE_FAILED');
  });
});

describe('JSON serde (embedded log)', () => {
  it('round-trips a bar as plain JSON and refuses a record that breaks the schema on read', async () => {
    const serde = createJsonSerde('nexural.bars', barSchema);
    expect(await serde.deserialize(await serde.serialize(bar))).toEqual(bar);
    expect(serde.serializeNow?.(bar)).toEqual(Buffer.from(JSON.stringify(bar)));
    const error = await serde
      .deserialize(Buffer.from(JSON.stringify({ ...bar, low: 70000 })))
      .catch((caught: unknown) => caught);
    expect(isNexuralError(error) && error.code).toBe('NXR_SCHEMA_INVALID');
    expect(serde.subject).toBeNull();
  });
});
