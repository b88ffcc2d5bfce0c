import { NexuralError } from '../../../../schemas/errors.js';
import { loadRdkafka } from './rdkafka-binding.js';

/** librdkafka's codes for "a newer producer took this transactional id" (local fatal state or the broker's answer) */
const FENCING_CODES = [
  'ERR__FENCED',
  'ERR_PRODUCER_FENCED',
  'ERR_INVALID_PRODUCER_EPOCH',
  'ERR_INVALID_PRODUCER_ID_MAPPING',
];
const UNAVAILABLE_CODES = [
  'ERR__TRANSPORT',
  'ERR__ALL_BROKERS_DOWN',
  'ERR__TIMED_OUT',
  'ERR_REQUEST_TIMED_OUT',
];
const UNKNOWN_TOPIC_CODES = ['ERR_UNKNOWN_TOPIC_OR_PART', 'ERR__UNKNOWN_TOPIC'];

const codesOf = (names: readonly string[]): Set<number> => {
  const errors = loadRdkafka().CODES.ERRORS;
  return new Set(names.flatMap((name) => (errors[name] === undefined ? [] : [errors[name]])));
};

let tables: { fencing: Set<number>; unavailable: Set<number>; unknownTopic: Set<number> } | null = null;

/** Maps a librdkafka failure (an error with a numeric `code`) to our table; anything else passes unchanged. */
export function fromRdkafkaError(error: unknown, doing: string): unknown {
  if (error instanceof NexuralError || !(error instanceof Error) || !('code' in error)) return error;
  tables ??= {
    fencing: codesOf(FENCING_CODES),
    unavailable: codesOf(UNAVAILABLE_CODES),
    unknownTopic: codesOf(UNKNOWN_TOPIC_CODES),
  };
  const code = Number(error.code);
  const details = { code };
  if (tables.fencing.has(code)) {
    return new NexuralError('NXR_FENCED', `${doing}: ${error.message}`, details, { cause: error });
  }
  if (tables.unknownTopic.has(code)) {
    return new NexuralError(
      'NXR_CONFIG_INVALID',
      `${doing}: a topic does not exist (${error.message})`,
      details,
      { cause: error },
    );
  }
  if (tables.unavailable.has(code)) {
    return new NexuralError(
      'NXR_SERVICE_UNAVAILABLE',
      `${doing}: Kafka unreachable (${error.message})`,
      details,
      { cause: error },
    );
  }
  return error;
}

/** Runs a librdkafka call, translating its failure. */
export async function rdkafkaCall<T>(doing: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw fromRdkafkaError(error, doing);
  }
}
