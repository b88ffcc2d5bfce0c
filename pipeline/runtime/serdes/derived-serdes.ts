import { SchemaRegistryClient } from '@confluentinc/schemaregistry';
import { alertEventSchema } from '../../../schemas/alert-event.js';
import { barSchema } from '../../../schemas/bar.js';
import { deadLetterSchema } from '../../../schemas/dead-letter.js';
import { indicatorValueSchema } from '../../../schemas/indicator-value.js';
import type { TopicNames } from '../../../schemas/topics.js';
import type { DerivedSerdes } from '../processor/encode-outputs.js';
import { createJsonSerde } from './record-serde.js';
import { createRegistrySerde } from './registry-serde.js';

/**
 * The serdes of a namespace's derived topics, chosen as `nexural run` chooses them: through the Schema
 * Registry when its URL is set, plain JSON otherwise.
 */
export function derivedSerdesFor(
  registryUrl: string | undefined,
): (topics: TopicNames) => Promise<DerivedSerdes> {
  if (registryUrl === undefined) {
    return async (topics) => ({
      bars: createJsonSerde(topics.bars, barSchema),
      barsFinal: createJsonSerde(topics.barsFinal, barSchema),
      indicators: createJsonSerde(topics.indicators, indicatorValueSchema),
      alerts: createJsonSerde(topics.alerts, alertEventSchema),
      deadLetters: createJsonSerde(topics.deadLetters, deadLetterSchema),
    });
  }
  const client = SchemaRegistryClient.newClient({ baseURLs: [registryUrl] });
  return async (topics) => {
    const [bars, barsFinal, indicators, alerts, deadLetters] = await Promise.all([
      createRegistrySerde({ client, topic: topics.bars, schemaName: 'bar' }),
      createRegistrySerde({ client, topic: topics.barsFinal, schemaName: 'bar' }),
      createRegistrySerde({ client, topic: topics.indicators, schemaName: 'indicatorValue' }),
      createRegistrySerde({ client, topic: topics.alerts, schemaName: 'alertEvent' }),
      createRegistrySerde({ client, topic: topics.deadLetters, schemaName: 'deadLetter' }),
    ]);
    return { bars, barsFinal, indicators, alerts, deadLetters };
  };
}
