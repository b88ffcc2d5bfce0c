import type { z } from 'zod';
import { NexuralError } from '../../../schemas/errors.js';
import { describeIssues } from '../../../schemas/validate.js';

/**
 * Turns the values of one topic into bytes and back. The Kafka adapter's serdes go through the Schema
 * Registry (magic byte + schema id + JSON); the embedded log's are plain JSON. Both check values with the
 * zod schema: on write only when asked (our own engine made them), always on read (the edge).
 */
export interface RecordSerde<T> {
  readonly topic: string;
  /** registry subject, or null for plain JSON */
  readonly subject: string | null;
  serialize(value: T): Promise<Buffer>;
  /**
   * The bytes `serialize` resolves to, returned at once, where writing needs no I/O (plain JSON, a registry
   * id already known): a processor writing ~150k bars a replay then makes no promise per value.
   */
  readonly serializeNow?: (value: T) => Buffer;
  deserialize(bytes: Buffer): Promise<T>;
}

export interface SerdeOptions {
  /** zod-check every value before writing it (default false: values come from typed engine code) */
  readonly validateOnWrite?: boolean;
}

export function checkValue<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  topic: string,
): z.output<Schema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new NexuralError('NXR_SCHEMA_INVALID', `record for "${topic}": ${describeIssues(result.error)}`, {
    topic,
    path: result.error.issues[0]?.path.map(String) ?? [],
  });
}

/** Plain JSON, no registry: the embedded log's serde. */
export function createJsonSerde<Schema extends z.ZodType>(
  topic: string,
  schema: Schema,
  options: SerdeOptions = {},
): RecordSerde<z.output<Schema>> {
  const serializeNow = (value: z.output<Schema>) => {
    if (options.validateOnWrite) checkValue(schema, value, topic);
    return Buffer.from(JSON.stringify(value), 'utf8');
  };
  return {
    topic,
    subject: null,
    serializeNow,
    async serialize(value) {
      return serializeNow(value);
    },
    async deserialize(bytes) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(bytes.toString('utf8'));
      } catch (error) {
        throw new NexuralError(
          'NXR_PARSE_FAILED',
          `record of "${topic}" is not JSON: ${(error as Error).message}`,
        );
      }
      return checkValue(schema, parsed, topic);
    },
  };
}
