import { planChangeSchema } from '../../schemas/billing.js';
import type { PlanChangePublisher } from '../../schemas/ports/billing.js';
import type { LogProducer, LogRecord, StreamLog } from '../../schemas/ports/stream-log.js';
import { BILLING_TOPIC } from '../../schemas/topics.js';

/** The billing topic: one partition would do, three keep room; kept forever (it is the plan history). */
export const billingTopicSpec = {
  name: BILLING_TOPIC,
  partitions: 3,
  compacted: false,
  retentionMs: -1,
} as const;

/** Plan changes as JSON records of the billing topic, keyed by user id (one user's changes stay in order). */
export function createPlanChangePublisher(options: {
  readonly log: StreamLog;
  readonly topic?: string;
}): PlanChangePublisher & { close(): Promise<void> } {
  let producer: Promise<LogProducer> | null = null;
  return {
    async publish(change) {
      producer ??= options.log.createProducer();
      const record = planChangeSchema.parse(change);
      await (await producer).send([
        {
          topic: options.topic ?? BILLING_TOPIC,
          key: record.owner,
          value: Buffer.from(JSON.stringify(record), 'utf8'),
        },
      ]);
    },
    async close() {
      if (producer) await (await producer).close();
      producer = null;
    },
  };
}

/** A billing-topic record back as a plan change; a record that does not parse throws naming the bad field. */
export const planChangeOfRecord = (record: Pick<LogRecord, 'value'>) =>
  planChangeSchema.parse(JSON.parse(record.value?.toString('utf8') ?? 'null'));
