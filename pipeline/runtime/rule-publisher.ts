import type { RuleChange, RuleChangePublisher } from '../../schemas/ports/rule-changes.js';
import type { LogProducer, StreamLog } from '../../schemas/ports/stream-log.js';

export interface RulePublisherOptions {
  readonly log: StreamLog;
  /** the compacted alert-rules topic (`topicNames().alertRules`); created by whoever wires the pipeline */
  readonly topic: string;
}

/**
 * Rule changes as records of the compacted alert-rules topic: key = rule id, value = the rule as plain JSON
 * (defaults applied), tombstone = removed. The processor applies them between batches, so a rule written
 * here reaches every running engine without a restart. Keyed records keep one rule's changes in order.
 */
export function createRulePublisher(options: RulePublisherOptions): RuleChangePublisher {
  let producer: Promise<LogProducer> | null = null;
  const producerOnce = (): Promise<LogProducer> => {
    producer ??= options.log.createProducer();
    return producer;
  };
  return {
    async publish(change: RuleChange): Promise<void> {
      const record =
        change.kind === 'upsert'
          ? {
              topic: options.topic,
              key: change.rule.id,
              value: Buffer.from(JSON.stringify(change.rule), 'utf8'),
            }
          : { topic: options.topic, key: change.id, value: null };
      await (await producerOnce()).send([record]);
    },
    async close(): Promise<void> {
      if (producer) await (await producer).close();
      producer = null;
    },
  };
}
