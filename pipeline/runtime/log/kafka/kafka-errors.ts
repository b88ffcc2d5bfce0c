import { NexuralError } from '../../../../schemas/errors.js';

const fencingTypes = new Set(['PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH', 'INVALID_PRODUCER_ID_MAPPING']);
const unavailableNames = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSBrokerNotFound',
]);

/** kafkajs wraps the error that matters (retries exhausted → cause); walk down to each layer. */
function* layers(error: unknown): Generator<{ name?: string; type?: string; message?: string }> {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    yield current as { name?: string; type?: string; message?: string };
    current =
      (current as { cause?: unknown; originalError?: unknown }).cause ??
      (current as { originalError?: unknown }).originalError;
  }
}

/** Maps a kafkajs failure to our error table; anything unrecognised is returned unchanged (a bug to see). */
export function fromKafkaError(error: unknown, doing: string): unknown {
  if (error instanceof NexuralError) return error;
  for (const layer of layers(error)) {
    if (layer.type !== undefined && fencingTypes.has(layer.type)) {
      return new NexuralError(
        'NXR_FENCED',
        `${doing}: ${layer.message ?? layer.type}`,
        { type: layer.type },
        {
          cause: error,
        },
      );
    }
    if (layer.type === 'UNKNOWN_TOPIC_OR_PARTITION') {
      return new NexuralError(
        'NXR_CONFIG_INVALID',
        `${doing}: a topic does not exist (${layer.message})`,
        {},
        {
          cause: error,
        },
      );
    }
    if (layer.name !== undefined && unavailableNames.has(layer.name)) {
      return new NexuralError(
        'NXR_SERVICE_UNAVAILABLE',
        `${doing}: Kafka unreachable (${layer.message})`,
        {},
        {
          cause: error,
        },
      );
    }
  }
  return error;
}

/** Runs a kafkajs call, translating its failure. */
export async function kafkaCall<T>(doing: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw fromKafkaError(error, doing);
  }
}
