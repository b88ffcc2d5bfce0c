import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createKafkaLog } from '../pipeline/runtime/log/kafka-log.js';
import { createRoleHealthRegistry } from '../schemas/ports/role-health.js';
import { kafkaBrokers } from '../test/stack-env.js';
import { alertLogConsumer } from './alert-log/alert-log.js';
import { startConsumer } from './consumer-runtime.js';
import { scratchConsumerPorts } from './testing/consumer-ports.js';

describe('consumer role health on Kafka', () => {
  it('an instance the group gives no partition (more instances than partitions) is up too: a standby, not a failure', async () => {
    const log = createKafkaLog({ brokers: kafkaBrokers(), clientId: 'nexural-consumer-health-test' });
    const { ports, close } = await scratchConsumerPorts(log, 1);
    const groupId = `test.consumer-health.${randomUUID().slice(0, 8)}`;
    const registries = [1, 2, 3].map(() => createRoleHealthRegistry());
    const running = [];
    try {
      // three instances, one partition: at least one of them has never been given a partition
      for (const health of registries)
        running.push(await startConsumer(alertLogConsumer, ports, { groupId, health }));
      expect(registries.map((health) => health.roles().get('consumer alert-log'))).toEqual([
        { status: 'up' },
        { status: 'up' },
        { status: 'up' },
      ]);
    } finally {
      for (const consumer of running.reverse()) await consumer.close();
      await log.admin.deleteGroups([groupId]).catch(() => {});
      await close();
      await log.close();
    }
  }, 60_000);
});
