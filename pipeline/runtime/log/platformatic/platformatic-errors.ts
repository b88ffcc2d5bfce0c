import { NexuralError } from '../../../../schemas/errors.js';

/** the broker's answers for "a newer producer took this transactional id" */
const FENCING_IDS = new Set(['PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH', 'INVALID_PRODUCER_ID_MAPPING']);
/**
 * the group coordinator's answers to offsets sent with a generation that is over (KIP-447): the member is
 * unknown, the generation is not the group's, a static member was replaced, or a rebalance began
 */
const GROUP_MOVED_IDS = new Set([
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
  'FENCED_INSTANCE_ID',
  'REBALANCE_IN_PROGRESS',
]);
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

/** Whether the broker answered `apiId` (an error name such as UNSTABLE_OFFSET_COMMIT) anywhere in `error`. */
export function answered(error: unknown, apiId: string): boolean {
  for (const layer of layers(error)) if (layer.apiId === apiId) return true;
  return false;
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
    if (apiId !== undefined && GROUP_MOVED_IDS.has(apiId)) {
      return new NexuralError(
        'NXR_GROUP_MOVED',
        `${doing}: the group moved on (${apiId}); abort the transaction`,
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
