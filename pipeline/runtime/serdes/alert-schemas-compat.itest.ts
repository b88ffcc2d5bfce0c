import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SchemaRegistryClient } from '@confluentinc/schemaregistry';
import { afterEach, describe, expect, it } from 'vitest';
import { jsonSchemaOf } from '../../../schemas/json-schema.js';
import { registerBackward } from './registry-serde.js';

const registryUrl = () => process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:38081/apis/ccompat/v7';

/** The alert schemas as the first release registered them (numeric thresholds, one symbol per rule). */
const registered = (name: 'alertRule' | 'alertEvent'): string =>
  readFileSync(new URL(`./testing/${name}.registered-2026-12-04.json`, import.meta.url), 'utf8');

describe('alert schemas on the real Schema Registry', () => {
  const client = SchemaRegistryClient.newClient({ baseURLs: [registryUrl()] });
  const subjects: string[] = [];
  afterEach(async () => {
    for (const subject of subjects.splice(0)) {
      await client.deleteSubject(subject, false).catch(() => {});
      await client.deleteSubject(subject, true).catch(() => {});
    }
  });

  it.each(['alertRule', 'alertEvent'] as const)(
    "registers this build's %s schema over the first release's (series thresholds, symbols lists) as BACKWARD compatible",
    async (name) => {
      const subject = `test.alert-schemas.${randomUUID().slice(0, 8)}-value`;
      subjects.push(subject);
      const first = await registerBackward(client, subject, registered(name));
      const current = await registerBackward(client, subject, JSON.stringify(jsonSchemaOf(name, 'draft-7')));
      expect(current).not.toBe(first);
    },
  );
});
