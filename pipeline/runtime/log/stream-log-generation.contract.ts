import { expect, it } from 'vitest';
import { isNexuralError } from '../../../schemas/errors.js';
import type { GroupGeneration, LogConsumer, StreamLog } from '../../../schemas/ports/stream-log.js';
import { type TestResources, until } from './testing/stream-log-test-kit.js';

const text = (value: string) => Buffer.from(value, 'utf8');
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const codeOf = (error: unknown) => (isNexuralError(error) ? error.code : String(error));

/** The consumer's generation once it is past `than` (a rebalance moved the group on). */
async function generationAfter(
  consumer: LogConsumer,
  than: GroupGeneration,
  timeoutMs: number,
): Promise<GroupGeneration> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const generation = await consumer.generation();
    if (generation.generationId > than.generationId) return generation;
    if (Date.now() > deadline)
      throw new Error(`generation still ${generation.generationId} after ${timeoutMs} ms`);
    await pause(50);
  }
}

/**
 * Part of the stream-log contract: transactional offsets fenced by the group generation and stable reads of
 * committed offsets (KIP-447), where the log has them (`fencesByGeneration`), and a clear refusal where not.
 */
export function streamLogGenerationContract(
  harness: () => { readonly log: StreamLog; readonly resources: TestResources },
  timeoutMs: number,
): void {
  it(
    'refuses offsets sent with a generation the group moved past (NXR_GROUP_MOVED): after the abort nothing of that transaction is visible; the current generation commits',
    async () => {
      const { log, resources } = harness();
      if (!log.fencesByGeneration) return;
      const input = await resources.topic(2, false, 'input');
      const output = await resources.topic(1, false, 'output');
      const groupId = resources.group();
      const first = await resources.collect({ groupId, topics: [input], commit: 'manual' });
      const old = await first.consumer.generation();
      expect(old.groupId).toBe(groupId);
      const second = await resources.collect({ groupId, topics: [input], commit: 'manual' });
      await until(
        () => first.consumer.assignment().length === 1 && second.consumer.assignment().length === 1,
        'one partition each',
        timeoutMs,
      );
      const current = await generationAfter(first.consumer, old, timeoutMs);
      const secondGeneration = await second.consumer.generation();
      // a generation is the group's: both members share it; a member keeps its id across rebalances
      expect(secondGeneration.generationId).toBe(current.generationId);
      expect(current.memberId).toBe(old.memberId);
      expect(secondGeneration.memberId).not.toBe(current.memberId);

      const producer = await log.createTransactionalProducer(resources.name('txn'));
      const zombie = await producer.transaction();
      await zombie.send([{ topic: output, key: 'k', value: text('zombie') }]);
      const refused = await (async () => {
        await zombie.sendOffsets(groupId, [{ topic: input, partition: 0, offset: '5' }], old);
        await zombie.commit();
      })().catch((caught: unknown) => caught);
      expect(codeOf(refused)).toBe('NXR_GROUP_MOVED');
      await zombie.abort();
      expect(await log.admin.committedOffsets(groupId, input)).toEqual([
        { topic: input, partition: 0, offset: null },
        { topic: input, partition: 1, offset: null },
      ]);

      const fresh = await producer.transaction();
      await fresh.send([{ topic: output, key: 'k', value: text('current') }]);
      await fresh.sendOffsets(groupId, [{ topic: input, partition: 0, offset: '3' }], current);
      await fresh.commit();
      expect(await log.admin.committedOffsets(groupId, input)).toEqual([
        { topic: input, partition: 0, offset: '3' },
        { topic: input, partition: 1, offset: null },
      ]);
      const reader = await resources.collect({ groupId: resources.group(), topics: [output] });
      await until(() => reader.records.length >= 1, 'the committed record', timeoutMs);
      await pause(200);
      expect(reader.values()).toEqual(['current']);
    },
    timeoutMs * 4,
  );

  it(
    'holds a stable read of committed offsets while a transaction holding them is open; a plain read answers at once',
    async () => {
      const { log, resources } = harness();
      if (!log.fencesByGeneration) return;
      const input = await resources.topic(1, false, 'input');
      const groupId = resources.group();
      const member = await resources.collect({ groupId, topics: [input], commit: 'manual' });
      const generation = await member.consumer.generation();
      await member.consumer.commit([{ topic: input, partition: 0, offset: '1' }]);
      const producer = await log.createTransactionalProducer(resources.name('txn'));
      const open = await producer.transaction();
      await open.sendOffsets(groupId, [{ topic: input, partition: 0, offset: '4' }], generation);

      expect(await log.admin.committedOffsets(groupId, input)).toEqual([
        { topic: input, partition: 0, offset: '1' },
      ]);
      const stable = log.admin.committedOffsets(groupId, input, { stable: true });
      const early = await Promise.race([stable, pause(1000).then(() => 'still waiting' as const)]);
      expect(early).toBe('still waiting');
      await open.commit();
      expect(await stable).toEqual([{ topic: input, partition: 0, offset: '4' }]);
      expect(await log.admin.committedOffsets(groupId, input, { stable: true })).toEqual([
        { topic: input, partition: 0, offset: '4' },
      ]);
    },
    timeoutMs * 3,
  );

  it(
    'resolves generation() awaited in a handler right after a join (kafkajs heartbeats only between batches); once the consumer closed, refuses it with NXR_GROUP_MOVED',
    async () => {
      const { log, resources } = harness();
      if (!log.fencesByGeneration) return;
      const input = await resources.topic(1, false, 'input');
      const groupId = resources.group();
      await (await log.createProducer()).send([{ topic: input, key: 'k', value: text('first') }]);
      let member: LogConsumer | undefined;
      const seen: GroupGeneration[] = [];
      const collector = await resources.collect({
        groupId,
        topics: [input],
        commit: 'manual',
        onAssigned: (_, consumer) => {
          member = consumer;
        },
        handler: async () => {
          if (member !== undefined) seen.push(await member.generation());
        },
      });
      await until(() => seen.length === 1, 'the generation inside the handler', timeoutMs);
      expect(seen[0]?.groupId).toBe(groupId);
      await collector.consumer.close();
      const refused = await collector.consumer.generation().catch((caught: unknown) => caught);
      expect(codeOf(refused)).toBe('NXR_GROUP_MOVED');
    },
    timeoutMs * 3,
  );

  it(
    'refuses a generation and a stable read with NXR_CONFIG_INVALID where the log cannot fence by generation',
    async () => {
      const { log, resources } = harness();
      if (log.fencesByGeneration) return;
      const input = await resources.topic(1, false, 'input');
      const groupId = resources.group();
      const generation: GroupGeneration = { groupId, generationId: 1, memberId: 'member' };
      const producer = await log.createTransactionalProducer(resources.name('txn'));
      const transaction = await producer.transaction();
      const sent = await transaction
        .sendOffsets(groupId, [{ topic: input, partition: 0, offset: '1' }], generation)
        .catch((caught: unknown) => caught);
      expect(codeOf(sent)).toBe('NXR_CONFIG_INVALID');
      expect(String(sent)).toContain('KIP-447');
      await transaction.abort();
      const read = await log.admin
        .committedOffsets(groupId, input, { stable: true })
        .catch((caught: unknown) => caught);
      expect(codeOf(read)).toBe('NXR_CONFIG_INVALID');
    },
    timeoutMs * 3,
  );
}
