import { NexuralError } from '../schemas/errors.js';
import { alertLogConsumer } from './alert-log/alert-log.js';
import type { AnyConsumerDefinition } from './define-consumer.js';
import { discordConsumer } from './discord/discord-consumer.js';
import { strategyConsumer } from './strategy/strategy-consumer.js';

/**
 * Every consumer Nexural can run, one line each (no directory scanning). A consumer is listed here only
 * once it passes the consumer contract (consumers/testing/contract.ts): SIGKILL and restart change none of its effects.
 */
export const consumerRegistry: readonly AnyConsumerDefinition[] = [
  alertLogConsumer,
  discordConsumer,
  strategyConsumer,
];

/** The registered consumer called `name`; fails naming the known ones. */
export function findConsumer(name: string): AnyConsumerDefinition {
  const found = consumerRegistry.find((definition) => definition.name === name);
  if (found) return found;
  const known = consumerRegistry.map((definition) => definition.name).join(', ') || '(none)';
  throw new NexuralError('NXR_CONFIG_INVALID', `unknown consumer "${name}"; known: ${known}`, {
    consumer: name,
  });
}
