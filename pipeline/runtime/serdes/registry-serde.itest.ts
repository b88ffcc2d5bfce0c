import { randomUUID } from 'node:crypto';
import { Compatibility, SchemaRegistryClient } from '@confluentinc/schemaregistry';
import { afterEach, describe, expect, it } from 'vitest';
import type { Bar } from '../../../schemas/bar.js';
import { isNexuralError } from '../../../schemas/errors.js';
import { jsonSchemaOf } from '../../../schemas/json-schema.js';
import { createRegistrySerde, registerBackward } from './registry-serde.js';

const registryUrl = () => process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:38081/apis/ccompat/v7';

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

describe('registry serde on the real Schema Registry', () => {
  const client = SchemaRegistryClient.newClient({ baseURLs: [registryUrl()] });
  const subjects: string[] = [];
  const uniqueTopic = () => {
    const topic = `test.serde.${randomUUID().slice(0, 8)}`;
    subjects.push(`${topic}-value`);
    return topic;
  };
  afterEach(async () => {
    for (const subject of subjects.splice(0)) {
      await client.deleteSubject(subject, false).catch(() => {});
      await client.deleteSubject(subject, true).catch(() => {});
    }
  });

  it('registers the bar schema under <topic>-value with BACKWARD compatibility and round-trips a bar', async () => {
    const topic = uniqueTopic();
    const serde = await createRegistrySerde({ client, topic, schemaName: 'bar', validateOnWrite: true });
    expect(serde.subject).toBe(`${topic}-value`);
    expect(await client.getCompatibility(`${topic}-value`)).toBe(Compatibility.BACKWARD);
    const bytes = await serde.serialize(bar);
    const { id } = await client.getLatestSchemaMetadata(`${topic}-value`);
    expect(bytes.readInt32BE(1)).toBe(id);
    expect(await serde.deserialize(bytes)).toEqual(bar);
    // registering the same schema again (a restart) keeps the id
    const again = await createRegistrySerde({ client, topic, schemaName: 'bar' });
    expect((await again.serialize(bar)).readInt32BE(1)).toBe(id);
  });

  it.each(['bar', 'indicatorValue', 'alertEvent', 'deadLetter'] as const)(
    'registers the %s schema and re-registers it unchanged under BACKWARD (same id)',
    async (name) => {
      const topic = uniqueTopic();
      const first = await createRegistrySerde({ client, topic, schemaName: name });
      const second = await createRegistrySerde({ client, topic, schemaName: name });
      expect(await client.getAllVersions(`${topic}-value`)).toEqual([1]);
      expect(first.subject).toBe(second.subject);
    },
  );

  it('accepts a backward-compatible change and fails loudly with NXR_SCHEMA_INCOMPATIBLE on a breaking one', async () => {
    const subject = `${uniqueTopic()}-value`;
    const bar = jsonSchemaOf('bar', 'draft-7') as { properties: Record<string, unknown> };
    const v1 = await registerBackward(client, subject, JSON.stringify(bar));
    // our schemas are closed (additionalProperties: false): a new optional field is a compatible change
    const withNote = { ...bar, properties: { ...bar.properties, note: { type: 'string' } } };
    const v2 = await registerBackward(client, subject, JSON.stringify(withNote));
    expect(v2).not.toBe(v1);
    const tradesAsText = { ...withNote, properties: { ...withNote.properties, trades: { type: 'string' } } };
    const error = await registerBackward(client, subject, JSON.stringify(tradesAsText)).catch(
      (caught: unknown) => caught,
    );
    expect(isNexuralError(error) && error.code).toBe('NXR_SCHEMA_INCOMPATIBLE');
    expect(String(error)).toContain(subject);
    expect(await client.getAllVersions(subject)).toHaveLength(2);
  });
});
