import {
  Compatibility,
  JsonDeserializer,
  JsonSerializer,
  type SchemaInfo,
  SchemaRegistryClient,
  SerdeType,
} from '@confluentinc/schemaregistry';
import { describe, expect, it } from 'vitest';
import { stackEnv } from '../stack-env.js';
import { onCleanup, uniqueName } from '../unique.js';

const client = new SchemaRegistryClient({ baseURLs: [stackEnv().SCHEMA_REGISTRY_URL] });

const tradeSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'SmokeTrade',
  type: 'object',
  properties: {
    symbol: { type: 'string' },
    price: { type: 'number' },
    size: { type: 'number' },
    ts: { type: 'integer' },
  },
  required: ['symbol', 'price', 'size', 'ts'],
};
const jsonSchema = (schema: object): SchemaInfo => ({ schemaType: 'JSON', schema: JSON.stringify(schema) });

/** A subject named after a unique topic (TopicNameStrategy: `<topic>-value`), deleted after the test. */
function uniqueSubject(): { topic: string; subject: string } {
  const topic = uniqueName('topic');
  const subject = `${topic}-value`;
  onCleanup(async () => {
    await client.deleteSubject(subject, false);
    await client.deleteSubject(subject, true);
  });
  return { topic, subject };
}

describe('Schema Registry (Apicurio, Confluent-compatible API)', () => {
  it('registers a JSON schema once and round-trips a record through JsonSerializer/JsonDeserializer', async () => {
    const { topic, subject } = uniqueSubject();
    const id = await client.register(subject, jsonSchema(tradeSchema));
    expect(id).toBeGreaterThan(0);
    expect(await client.register(subject, jsonSchema(tradeSchema))).toBe(id);

    const serializer = new JsonSerializer(client, SerdeType.VALUE, {
      useLatestVersion: true,
      validate: true,
    });
    const deserializer = new JsonDeserializer(client, SerdeType.VALUE, { validate: true });
    const trade = { symbol: 'BTC-USD', price: 64_123.5, size: 0.25, ts: 1_700_000_000_000 };
    const bytes = await serializer.serialize(topic, trade);
    // Confluent wire format: magic byte 0, then the 4-byte schema id, then the JSON.
    expect(bytes[0]).toBe(0);
    expect(bytes.readInt32BE(1)).toBe(id);
    expect(await deserializer.deserialize(topic, bytes)).toEqual(trade);

    await expect(serializer.serialize(topic, { ...trade, price: 'cheap' })).rejects.toThrow();
  });

  it('with BACKWARD compatibility, rejects a change that old records would not satisfy', async () => {
    const { subject } = uniqueSubject();
    await client.register(subject, jsonSchema(tradeSchema));
    await client.updateConfig(subject, { compatibility: Compatibility.BACKWARD });
    expect((await client.getConfig(subject)).compatibilityLevel).toBe(Compatibility.BACKWARD);

    const priceAsString = {
      ...tradeSchema,
      properties: { ...tradeSchema.properties, price: { type: 'string' } },
    };
    expect(await client.testSubjectCompatibility(subject, jsonSchema(priceAsString))).toBe(false);
    await expect(client.register(subject, jsonSchema(priceAsString))).rejects.toMatchObject({ status: 409 });
    expect(await client.getAllVersions(subject)).toEqual([1]);
  });
});
