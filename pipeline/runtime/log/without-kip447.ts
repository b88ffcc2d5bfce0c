import { NexuralError } from '../../../schemas/errors.js';

/**
 * The refusal of a log whose client cannot fence transactional offsets by group generation or read them
 * with require_stable (KIP-447): it must never pretend to, or a zombie's offsets would be taken.
 */
export const withoutKip447 = (client: string, doing: string): NexuralError =>
  new NexuralError(
    'NXR_CONFIG_INVALID',
    `${doing} needs KIP-447 (exactly-once v2), which ${client} does not speak; use the embedded log or NEXURAL_KAFKA_CLIENT=platformatic`,
    { client },
  );
