import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SchemaRegistryClient } from '@confluentinc/schemaregistry';
import { afterEach, describe, expect, it } from 'vitest';
import { jsonSchemaOf } from '../../../schemas/json-schema.js';
import { registerBackward } from './registry-serde.js';

const registryUrl = () => process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:38081/apis/ccompat/v7';

/** The bar and indicator-value schemas as registered before activity bars got a `seq`. */
const registered = (name: 'bar' | 'indicatorValue'): string =>
  readFileSync(new URL(`./testing/${name}.registered-2026-12-04.json`, import.meta.url), 'utf8');

describe('bar schemas on the real Schema Registry', () => {
  const client = SchemaRegistryClient.newClient({ baseURLs: [registryUrl()] });
  const subjects: string[] = [];
  afterEach(async () => {
    for (const subject of subjects.splice(0)) {
      await client.deleteSubject(subject, false).catch(() => {});
      await client.deleteSubject(subject, true).catch(() => {});
    }
  });

  it.each(['bar', 'indicatorValue'] as const)(
    "registers this build's %s schema (optional seq) over the one without seq as BACKWARD compatible",
    async (name) => {
      const subject = `test.bar-schemas.${randomUUID().slice(0, 8)}-value`;
      subjects.push(subject);
      const first = await registerBackward(client, subject, registered(name));
      const current = await registerBackward(client, subject, JSON.stringify(jsonSchemaOf(name, 'draft-7')));
      expect(current).not.toBe(first);
    },
  );
});
