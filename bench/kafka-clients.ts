/**
 * Two Kafka clients side by side on the stack's broker: kafkajs 2.2.4 (the Kafka adapter's today) and
 * @platformatic/kafka (pure JS, transactions). Each measurement runs in a child process of its own, so
 * its CPU time is that client's alone; the clients alternate, several rounds.
 *
 * - consume: a fresh group reads N pre-produced 200-byte records (read committed) — CPU s per 100k; the
 *   `adapter` row reads them through the stream-log port (kafka-log.ts: kafkajs plus our LogRecords).
 * - transactions: begin → ~400 records to 2 topics (6 partitions each) → the group's offset of one input
 *   partition → commit, in a loop, the processor's shape — transactions/s, CPU ms and requests each.
 *
 * Run: `npx tsx bench/kafka-clients.ts [--records 200000] [--transactions 300] [--rounds 3] [--consume-clients kafkajs,adapter,platformatic]` with the stack up
 * (KAFKA_BROKERS defaults to 127.0.0.1:39092). Prints tables; asserts nothing.
 */

import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Consumer, FetchIsolationLevels, Producer } from '@platformatic/kafka';
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { createKafkaLog } from '../pipeline/runtime/log/kafka-log.js';
import { partitionForKey } from '../pipeline/runtime/log/murmur2.js';
import { printTable } from './bench-table.js';
import { countKafkaRequests } from './kafka-requests.js';
import { explicitPartitionProducer, RECORD_BYTES } from './kafka-ticks.js';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:39092').split(',');
const brokerPorts = brokers.map((broker) => Number(broker.split(':').at(-1)));
const PARTITIONS = 6;
const PER_TOPIC = 200;
const CLIENTS = ['kafkajs', 'platformatic'] as const;
type ClientName = (typeof CLIENTS)[number];
const CONSUME_CLIENTS = ['kafkajs', 'adapter', 'platformatic', 'platformatic-fetch'] as const;
type ConsumeClientName = (typeof CONSUME_CLIENTS)[number];

const keys = Array.from({ length: 64 }, (_, i) => `binance-um:SYM${i}`);
const paddedValue = (i: number): Buffer => {
  const json = JSON.stringify({
    venue: 'binance-um',
    symbol: `SYM${i % 64}`,
    tradeId: String(i),
    price: '1',
  });
  return Buffer.from(`${json.slice(0, -1)},"pad":"${'.'.repeat(RECORD_BYTES - json.length - 10)}"}`);
};

interface ConsumeResult {
  records: number;
  wallS: number;
  cpuS: number;
}
interface TransactionsResult {
  transactions: number;
  wallS: number;
  cpuS: number;
  requests: Record<string, number>;
}

const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
};

async function consumeWith(client: ConsumeClientName, topic: string, total: number): Promise<ConsumeResult> {
  const groupId = `bench-clients-${randomUUID()}`;
  const cpu = process.cpuUsage();
  const start = performance.now();
  let seen = 0;
  if (client === 'platformatic-fetch') {
    seen = await fetchLoop(groupId, topic, total);
    return { records: seen, wallS: (performance.now() - start) / 1000, cpuS: cpuSeconds(cpu) };
  }
  if (client === 'adapter') {
    const log = createKafkaLog({ brokers, clientId: 'bench-clients', logLevel: 'nothing' });
    let done = () => {};
    const all = new Promise<void>((resolve) => {
      done = resolve;
    });
    await log.consume({
      groupId,
      topics: [topic],
      commit: 'manual',
      handler: async ({ records }) => {
        seen += records.length;
        if (seen >= total) done();
      },
    });
    await all;
    const result = { records: seen, wallS: (performance.now() - start) / 1000, cpuS: cpuSeconds(cpu) };
    await log.close();
    return result;
  }
  if (client === 'kafkajs') {
    const consumer = new Kafka({ clientId: 'bench-clients', brokers, logLevel: logLevel.NOTHING }).consumer({
      groupId,
      maxBytesPerPartition: 4 << 20,
      maxBytes: 32 << 20,
      maxWaitTimeInMs: 250,
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve) => {
      void consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          seen += batch.messages.length;
          if (seen >= total) resolve();
        },
      });
    });
    const result = { records: seen, wallS: (performance.now() - start) / 1000, cpuS: cpuSeconds(cpu) };
    await consumer.disconnect();
    return result;
  }
  const consumer = new Consumer({
    clientId: 'bench-clients',
    bootstrapBrokers: brokers,
    groupId,
    maxBytesPerPartition: 4 << 20,
    maxBytes: 32 << 20,
    maxWaitTime: 250,
    isolationLevel: FetchIsolationLevels.READ_COMMITTED,
    autocommit: false,
  });
  const stream = await consumer.consume({ topics: [topic], mode: 'committed', fallbackMode: 'earliest' });
  await new Promise<void>((resolve) => {
    stream.on('data', () => {
      seen += 1;
      if (seen === total) resolve();
    });
  });
  const result = { records: seen, wallS: (performance.now() - start) / 1000, cpuS: cpuSeconds(cpu) };
  await stream.close();
  await consumer.close(true);
  return result;
}

/**
 * @platformatic/kafka's Fetch requests alone (`Consumer.fetch`: its decode, and its filter of aborted
 * transactions): no group, no message objects — the floor of a consumer built on it.
 */
async function fetchLoop(groupId: string, topic: string, total: number): Promise<number> {
  const consumer = new Consumer({ clientId: 'bench-clients', bootstrapBrokers: brokers, groupId });
  const metadata = await consumer.metadata({ topics: [topic] });
  const described = metadata.topics.get(topic);
  if (described === undefined) throw new Error(`no metadata for ${topic}`);
  const next = described.partitions.map(() => 0n);
  let seen = 0;
  while (seen < total) {
    const byLeader = new Map<number, number[]>();
    described.partitions.forEach(({ leader }, partition) => {
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), partition]);
    });
    for (const [node, partitions] of byLeader) {
      const response = await consumer.fetch({
        node,
        maxWaitTime: 250,
        minBytes: 1,
        maxBytes: 32 << 20,
        isolationLevel: FetchIsolationLevels.READ_COMMITTED,
        topics: [
          {
            topicId: described.id,
            partitions: partitions.map((partition) => ({
              partition,
              fetchOffset: next[partition] ?? 0n,
              partitionMaxBytes: 4 << 20,
              currentLeaderEpoch: -1,
              lastFetchedEpoch: -1,
            })),
          },
        ],
      });
      for (const { partitions: fetched } of response.responses) {
        for (const { partitionIndex, records } of fetched) {
          for (const batch of records ?? []) {
            next[partitionIndex] = batch.firstOffset + BigInt(batch.lastOffsetDelta) + 1n;
            if ((batch.attributes & 0x20) === 0) seen += batch.records.length;
          }
        }
      }
    }
  }
  await consumer.close(true);
  return seen;
}

interface TransactionLoop {
  /** one transaction: records of both output topics, then the next offset of input partition 0 */
  run(records: readonly { topic: string; key: string; value: Buffer }[], offset: bigint): Promise<void>;
  close(): Promise<void>;
}

async function kafkajsLoop(groupId: string, inputTopic: string): Promise<TransactionLoop> {
  const kafka = new Kafka({ clientId: 'bench-clients', brokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId });
  await consumer.connect();
  await consumer.subscribe({ topics: [inputTopic] });
  await consumer.run({ autoCommit: false, eachBatch: async () => {} });
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    transactionalId: `bench-clients-${randomUUID()}`,
    retry: { initialRetryTime: 10, retries: 8 },
    createPartitioner:
      () =>
      ({ message }) =>
        message.partition ?? 0,
  });
  await producer.connect();
  return {
    async run(records, offset) {
      const transaction = await producer.transaction();
      const byTopic = new Map<string, { key: string; value: Buffer; partition: number }[]>();
      for (const { topic, key, value } of records) {
        const messages = byTopic.get(topic) ?? [];
        messages.push({ key, value, partition: partitionForKey(key, PARTITIONS) });
        byTopic.set(topic, messages);
      }
      await transaction.sendBatch({
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
        acks: -1,
        compression: CompressionTypes.None,
      });
      await transaction.sendOffsets({
        consumerGroupId: groupId,
        topics: [{ topic: inputTopic, partitions: [{ partition: 0, offset: String(offset) }] }],
      });
      await transaction.commit();
    },
    async close() {
      await producer.disconnect();
      await consumer.disconnect();
    },
  };
}

/**
 * The processor's group members stay kafkajs consumers (see the consume rows); the transaction commits the
 * group's offset as a non-member, generation -1 (what kafkajs's TxnOffsetCommit v0–2 sends): addOffset reads
 * only the fields below, and the group coordinator comes from a consumer object that never joins.
 */
async function platformaticLoop(groupId: string, inputTopic: string): Promise<TransactionLoop> {
  const member = new Kafka({ clientId: 'bench-clients', brokers, logLevel: logLevel.NOTHING }).consumer({
    groupId,
  });
  await member.connect();
  await member.subscribe({ topics: [inputTopic] });
  await member.run({ autoCommit: false, eachBatch: async () => {} });
  const coordinatorLookup = new Consumer({ clientId: 'bench-clients', bootstrapBrokers: brokers, groupId });
  const coordinatorId = await coordinatorLookup.findGroupCoordinator();
  const producer = new Producer({
    clientId: 'bench-clients',
    bootstrapBrokers: brokers,
    idempotent: true,
    transactionalId: `bench-clients-${randomUUID()}`,
    // the default waits 1 s before a retry: a transaction begun while the broker still ends the last one
    // gets CONCURRENT_TRANSACTIONS (the adapter's kafkajs retries after 10 ms for the same reason)
    retries: 8,
    retryDelay: (_client, _operation, attempt) => Math.min(10 * 2 ** attempt, 1000),
  });
  return {
    async run(records, offset) {
      const transaction = await producer.beginTransaction();
      await transaction.send({
        messages: records.map(({ topic, key, value }) => ({
          topic,
          key: Buffer.from(key),
          value,
          partition: partitionForKey(key, PARTITIONS),
        })),
      });
      await transaction.addConsumer(coordinatorLookup);
      await transaction.addOffset({
        topic: inputTopic,
        partition: 0,
        offset: offset - 1n,
        metadata: { consumer: { groupId, generationId: -1, memberId: '', coordinatorId } },
      } as unknown as Parameters<typeof transaction.addOffset>[0]);
      await transaction.commit();
    },
    async close() {
      await producer.close();
      await coordinatorLookup.close(true);
      await member.disconnect();
    },
  };
}

async function transactionsWith(
  client: ClientName,
  inputTopic: string,
  outputTopics: readonly string[],
  count: number,
): Promise<TransactionsResult> {
  const groupId = `bench-clients-${randomUUID()}`;
  const loop =
    client === 'kafkajs'
      ? await kafkajsLoop(groupId, inputTopic)
      : await platformaticLoop(groupId, inputTopic);
  const recordsOf = (n: number) =>
    outputTopics.flatMap((topic) =>
      Array.from({ length: PER_TOPIC }, (_, i) => ({
        topic,
        key: keys[(n + i) % keys.length] ?? 'k',
        value: paddedValue(n * PER_TOPIC + i),
      })),
    );
  for (let n = 0; n < 10; n++) await loop.run(recordsOf(n), BigInt(n + 1));
  const counter = countKafkaRequests(brokerPorts);
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let n = 10; n < 10 + count; n++) await loop.run(recordsOf(n), BigInt(n + 1));
  const wallS = (performance.now() - start) / 1000;
  const cpuS = cpuSeconds(cpu);
  const requests = Object.fromEntries([...counter.counts()].map(([name, { count: n }]) => [name, n]));
  counter.stop();
  await loop.close();
  const committed = await committedOffset(groupId, inputTopic);
  if (committed !== String(10 + count))
    throw new Error(`${client}: committed ${committed}, expected ${10 + count}`);
  return { transactions: count, wallS, cpuS, requests };
}

async function committedOffset(groupId: string, topic: string): Promise<string | undefined> {
  const admin = new Kafka({ clientId: 'bench-clients', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  await admin.disconnect();
  return offsets?.partitions.find(({ partition }) => partition === 0)?.offset;
}

async function child(args: string[]): Promise<void> {
  const [kind, client, ...rest] = args as [string, string, ...string[]];
  const result =
    kind === 'consume'
      ? await consumeWith(client as ConsumeClientName, rest[0] ?? '', Number(rest[1]))
      : await transactionsWith(
          client as ClientName,
          rest[0] ?? '',
          [rest[1] ?? '', rest[2] ?? ''],
          Number(rest[3]),
        );
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

function runChild(args: readonly string[]): unknown {
  const output = execFileSync(
    process.execPath,
    [...process.execArgv, import.meta.filename, 'child', ...args],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return JSON.parse(output.trim().split('\n').at(-1) ?? '{}');
}

const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      records: { type: 'string', default: '200000' },
      transactions: { type: 'string', default: '300' },
      rounds: { type: 'string', default: '3' },
      only: { type: 'string' },
      'consume-clients': { type: 'string', default: CONSUME_CLIENTS.join(',') },
    },
  });
  const consumeClients = values['consume-clients'].split(',').map((name) => {
    const known = CONSUME_CLIENTS.find((client) => client === name);
    if (known === undefined)
      throw new Error(`--consume-clients ${name}: one of ${CONSUME_CLIENTS.join(', ')}`);
    return known;
  });
  const total = Number(values.records);
  const transactions = Number(values.transactions);
  const kafka = new Kafka({ clientId: 'bench-clients', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const run = randomUUID().slice(0, 8);
  const topics = ['in', 'out-a', 'out-b'].map((name) => `bench.clients.${run}.${name}`);
  const [inputTopic = '', outA = '', outB = ''] = topics;
  await admin.createTopics({
    waitForLeaders: true,
    topics: topics.map((topic) => ({ topic, numPartitions: PARTITIONS })),
  });
  const producer = explicitPartitionProducer(kafka);
  await producer.connect();
  for (let from = 0; from < total; from += 1000) {
    const messages = Array.from({ length: Math.min(1000, total - from) }, (_, i) => {
      const key = keys[(from + i) % keys.length] ?? 'k';
      return { key, value: paddedValue(from + i), partition: partitionForKey(key, PARTITIONS) };
    });
    await producer.send({ topic: inputTopic, messages, acks: -1 });
  }
  await producer.disconnect();

  const consumeRows: Record<string, string | number>[] = [];
  const transactionRows: Record<string, string | number>[] = [];
  for (let round = 0; round < Number(values.rounds); round++) {
    const consumeOrder = round % 2 === 0 ? consumeClients : [...consumeClients].reverse();
    for (const client of values.only === 'transactions' ? [] : consumeOrder) {
      const result = runChild(['consume', client, inputTopic, String(total)]) as ConsumeResult;
      consumeRows.push({
        round,
        client,
        records: result.records,
        'wall s': result.wallS,
        'records/s': Math.round(result.records / result.wallS),
        'CPU s / 100k': (result.cpuS / result.records) * 1e5,
        load: load(),
      });
    }
    const order = round % 2 === 0 ? CLIENTS : [...CLIENTS].reverse();
    for (const client of order) {
      if (values.only !== 'consume') {
        const result = runChild([
          'transactions',
          client,
          inputTopic,
          outA,
          outB,
          String(transactions),
        ]) as TransactionsResult;
        const perTransaction = (name: string) => (result.requests[name] ?? 0) / result.transactions;
        const all = Object.values(result.requests).reduce((sum, n) => sum + n, 0);
        transactionRows.push({
          round,
          client,
          'txn/s': result.transactions / result.wallS,
          'CPU ms/txn': (result.cpuS / result.transactions) * 1000,
          'req/txn': all / result.transactions,
          FindCoord:
            perTransaction('FindCoordinator (transaction)') + perTransaction('FindCoordinator (group)'),
          Produce: perTransaction('Produce (transactional)'),
          'AddPart+AddOff+TxnOC+End':
            perTransaction('AddPartitionsToTxn') +
            perTransaction('AddOffsetsToTxn') +
            perTransaction('TxnOffsetCommit') +
            perTransaction('EndTxn'),
          load: load(),
        });
      }
    }
  }
  if (consumeRows.length > 0)
    printTable(`consume ${total.toLocaleString('en-US')} records of 200 B`, consumeRows);
  if (transactionRows.length > 0) {
    printTable(`transactions: ${2 * PER_TOPIC} records to 2 topics + 1 offset each`, transactionRows);
  }
  await admin.deleteTopics({ topics });
  await admin.disconnect();
}

if (process.argv[2] === 'child') await child(process.argv.slice(3));
else await main();
