import { NexuralError } from '../../../../schemas/errors.js';

/** the broker's answers for "a newer producer took this transactional id" */
const FENCING_IDS = new Set(['PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH', 'INVALID_PRODUCER_ID_MAPPING']);
const UNAVAILABLE_CODES = new Set(['PLT_KFK_NETWORK', 'PLT_KFK_TIMEOUT']);

interface PlatformaticErrorLayer {
  readonly code?: unknown;
  readonly apiId?: unknown;
  readonly message?: string;
}

/** @platformatic/kafka nests the error that matters (retries exhausted, one per broker) in `errors` and `cause`. */
function* layers(error: unknown, depth = 0): Generator<PlatformaticErrorLayer> {
  if (depth > 5 || typeof error !== 'object' || error === null) return;
  yield error as PlatformaticErrorLayer;
  const { errors, cause } = error as { errors?: unknown; cause?: unknown };
  if (Array.isArray(errors)) for (const inner of errors) yield* layers(inner, depth + 1);
  yield* layers(cause, depth + 1);
}

/** Maps a @platformatic/kafka failure to our error table; anything unrecognised is returned unchanged. */
export function fromPlatformaticError(error: unknown, doing: string): unknown {
  if (error instanceof NexuralError) return error;
  for (const layer of layers(error)) {
    const apiId = typeof layer.apiId === 'string' ? layer.apiId : undefined;
    if (apiId !== undefined && FENCING_IDS.has(apiId)) {
      return new NexuralError(
        'NXR_FENCED',
        `${doing}: ${layer.message ?? apiId}`,
        { type: apiId },
        { cause: error },
      );
    }
    if (apiId === 'UNKNOWN_TOPIC_OR_PARTITION') {
      return new NexuralError(
        'NXR_CONFIG_INVALID',
        `${doing}: a topic does not exist (${layer.message})`,
        {},
        { cause: error },
      );
    }
    if (typeof layer.code === 'string' && UNAVAILABLE_CODES.has(layer.code)) {
      return new NexuralError(
        'NXR_SERVICE_UNAVAILABLE',
        `${doing}: Kafka unreachable (${layer.message})`,
        {},
        { cause: error },
      );
    }
  }
  return error;
}

/** Runs a @platformatic/kafka call, translating its failure. */
export async function platformaticCall<T>(doing: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw fromPlatformaticError(error, doing);
  }
}
