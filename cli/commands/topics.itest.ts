import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createKafkaLog } from '../../pipeline/runtime/log/kafka-log.js';
import { runTopics } from './topics.js';

const brokers = () =>
  (process.env.KAFKA_BROKERS ?? '127.0.0.1:39092').split(',').map((broker) => broker.trim());

describe('nexural topics on Kafka', () => {
  it('creates missing topics with their cleanup policy and then lists them as existing', async () => {
    const log = createKafkaLog({ brokers: brokers() });
    const run = randomUUID().slice(0, 8);
    const specs = [
      { name: `test.topics.${run}.stream`, partitions: 2, compacted: false },
      { name: `test.topics.${run}.table`, partitions: 1, compacted: true },
    ];
    const output: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        output.push(String(chunk));
        done();
      },
    });
    try {
      await runTopics(log, specs, true, stream);
      await runTopics(log, specs, false, stream);
      const lines = output.join('').split('\n');
      expect(lines).toContainEqual(
        expect.stringMatching(new RegExp(`^test\\.topics\\.${run}\\.stream\\s+2 {2}delete {3}created$`)),
      );
      expect(lines).toContainEqual(
        expect.stringMatching(new RegExp(`^test\\.topics\\.${run}\\.table\\s+1 {2}compact {2}exists$`)),
      );
    } finally {
      await log.admin.deleteTopics(specs.map((spec) => spec.name));
      await log.close();
    }
  });
});
