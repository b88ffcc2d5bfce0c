import {
  type Client,
  Compatibility,
  JsonDeserializer,
  JsonSerializer,
  SchemaId,
  SerdeType,
  SubjectNameStrategyType,
} from '@confluentinc/schemaregistry';
import type { z } from 'zod';
import { NexuralError } from '../../../schemas/errors.js';
import { jsonSchemaOf, type RegisteredSchemaName, registeredSchemas } from '../../../schemas/json-schema.js';
import { checkValue, type RecordSerde, type SerdeOptions } from './record-serde.js';

export interface RegistrySerdeOptions<Name extends RegisteredSchemaName> extends SerdeOptions {
  readonly client: Client;
  readonly topic: string;
  readonly schemaName: Name;
  /**
   * Serialize through the Confluent JsonSerializer with its JSON Schema (ajv) check on every record.
   * Off by default: that path costs ~15× a plain write (bench/serde-cost.ts); zod is our check instead.
   */
  readonly registryValidation?: boolean;
}

type RegisteredValue<Name extends RegisteredSchemaName> = z.output<(typeof registeredSchemas)[Name]>;

const statusOf = (error: unknown): number | undefined =>
  typeof error === 'object' && error !== null && 'status' in error && typeof error.status === 'number'
    ? error.status
    : undefined;

function registryFailure(error: unknown, subject: string, doing: string): NexuralError {
  const status = statusOf(error);
  const message = error instanceof Error ? error.message : String(error);
  if (status === 409) {
    return new NexuralError(
      'NXR_SCHEMA_INCOMPATIBLE',
      `schema for subject "${subject}" is not BACKWARD compatible with the registered versions: ${message}`,
      { subject },
      { cause: error },
    );
  }
  if (status === undefined || status >= 500) {
    return new NexuralError(
      'NXR_SERVICE_UNAVAILABLE',
      `Schema Registry ${doing} "${subject}": ${message}`,
      { subject },
      {
        cause: error,
      },
    );
  }
  return new NexuralError(
    'NXR_CONFIG_INVALID',
    `Schema Registry refused ${doing} "${subject}": ${message}`,
    { subject },
    {
      cause: error,
    },
  );
}

/**
 * Registers `schema` under `subject` with BACKWARD compatibility and returns its id. On an existing subject
 * the rule is set first so the new version is checked against it; a new subject gets it right after.
 * An incompatible change fails with NXR_SCHEMA_INCOMPATIBLE.
 */
export async function registerBackward(client: Client, subject: string, schema: string): Promise<number> {
  const setBackward = () => client.updateConfig(subject, { compatibility: Compatibility.BACKWARD });
  const register = () => client.register(subject, { schemaType: 'JSON', schema }, false);
  let existed = true;
  try {
    await client.getAllVersions(subject);
  } catch (error) {
    if (statusOf(error) !== 404) throw registryFailure(error, subject, 'looking up');
    existed = false;
  }
  try {
    if (existed) await setBackward();
    const id = await register();
    // Two processes starting together (processor and sink) both find the subject new and both set the rule;
    // Apicurio refuses the second creation ("A rule named 'COMPATIBILITY' already exists"), a retry updates it.
    if (!existed) await setBackward().catch(() => setBackward());
    return id;
  } catch (error) {
    throw registryFailure(error, subject, 'registering');
  }
}

/**
 * A topic's serde through the Schema Registry: subject `<topic>-value`, JSON Schema generated from the zod
 * schema, wire format = magic byte + schema id + JSON (any Confluent-compatible client can read it).
 */
export async function createRegistrySerde<Name extends RegisteredSchemaName>(
  options: RegistrySerdeOptions<Name>,
): Promise<RecordSerde<RegisteredValue<Name>>> {
  const { client, topic, schemaName } = options;
  const schema = registeredSchemas[schemaName];
  const subject = `${topic}-value`;
  const id = await registerBackward(client, subject, JSON.stringify(jsonSchemaOf(schemaName, 'draft-7')));
  const common = { subjectNameStrategyType: SubjectNameStrategyType.TOPIC };
  const deserializer = new JsonDeserializer(client, SerdeType.VALUE, { ...common, validate: false });
  const deserialize = async (bytes: Buffer): Promise<RegisteredValue<Name>> => {
    let decoded: unknown;
    try {
      decoded = await deserializer.deserialize(topic, bytes);
    } catch (error) {
      throw new NexuralError(
        'NXR_PARSE_FAILED',
        `record of "${topic}" is not registry JSON: ${String(error)}`,
        {
          topic,
        },
      );
    }
    return checkValue(schema, decoded, topic) as RegisteredValue<Name>;
  };
  // The Confluent serializer looks the schema up per record, keyed by a deterministic stringify of the
  // whole schema: ~50 µs a record. The id is fixed once registered, so the fast path prepends the header
  // the library builds for that id (magic byte + id): the bytes JsonSerializer would write.
  const header = new SchemaId('JSON', id).idToBytes();
  const checked = (value: RegisteredValue<Name>) => {
    if (options.validateOnWrite) checkValue(schema, value, topic);
    return value;
  };
  // one Buffer per value, the header and the JSON written into it (not a Buffer of the JSON, then their concat)
  const withHeader = (value: RegisteredValue<Name>): Buffer => {
    const json = JSON.stringify(checked(value));
    const bytes = Buffer.allocUnsafe(header.length + Buffer.byteLength(json, 'utf8'));
    bytes.set(header, 0);
    bytes.write(json, header.length, 'utf8');
    return bytes;
  };
  if (options.registryValidation) {
    const serializer = new JsonSerializer(client, SerdeType.VALUE, {
      ...common,
      autoRegisterSchemas: false,
      useSchemaId: id,
      validate: true,
    });
    return {
      topic,
      subject,
      serialize: async (value) => serializer.serialize(topic, checked(value)),
      deserialize,
    };
  }
  return {
    topic,
    subject,
    serializeNow: withHeader,
    serialize: async (value) => withHeader(value),
    deserialize,
  };
}
