/**
 * One consumer in a process of its own, for the consumer contract: `node --import tsx contract-child.ts '<json>'`.
 * Prints `ready` once it consumes, `progress <handled>` as it goes, `caught-up` once its group committed the end
 * of every input partition, and drains on SIGTERM (`closed`). The contract kills it with SIGKILL at random
 * points; nothing here prepares for that.
 */
import { PGlite } from '@electric-sql/pglite';
import { Registry } from 'prom-client';
import { createEmbeddedLog } from '../../pipeline/runtime/log/embedded-log.js';
import { createKafkaLog } from '../../pipeline/runtime/log/kafka-log.js';
import { openPgDatabase } from '../../pipeline/store/pg-database.js';
import { pgliteDatabase } from '../../pipeline/store/pglite-database.js';
import { openPgliteStore } from '../../pipeline/store/pglite-store.js';
import { openPostgresStore } from '../../pipeline/store/postgres-store.js';
import { sqlEffectLedgerStore } from '../../pipeline/store/sql-effect-ledger.js';
import { sqlStrategyStore } from '../../pipeline/store/sql-strategy-store.js';
import { startConsumer } from '../consumer-runtime.js';
import { type AnyConsumerDefinition, isChannelInput } from '../define-consumer.js';
import { type ContractChildConfig, contractDecoders } from './contract-topics.js';

const config = JSON.parse(process.argv[2] ?? '{}') as ContractChildConfig;
const say = (line: string) => process.stdout.write(`${line}\n`);
const module = (await import(config.consumer.module)) as Record<string, AnyConsumerDefinition>;
const subject = module[config.consumer.exportName];
if (subject === undefined)
  throw new Error(`${config.consumer.module} exports no ${config.consumer.exportName}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/**
 * The consumer under test, paced (see ContractChildConfig.paceMs): each batch the runtime hands it is passed on
 * in chunks of `maxBatchRecords` (a Kafka fetch brings more than that), with a pause before and after each.
 */
const definition: AnyConsumerDefinition =
  config.paceMs === 0
    ? subject
    : {
        ...subject,
        async create(context) {
          const instance = await subject.create(context);
          return {
            async handle(batch) {
              for (let at = 0; at < batch.records.length; at += config.maxBatchRecords) {
                await sleep(config.paceMs / 2);
                await instance.handle({
                  ...batch,
                  records: batch.records.slice(at, at + config.maxBatchRecords),
                });
                await sleep(config.paceMs / 2);
              }
            },
            close: () => instance.close(),
          };
        },
      };
const log =
  config.log.kind === 'embedded'
    ? createEmbeddedLog({ dataDir: config.log.dataDir, maxBatchRecords: config.maxBatchRecords })
    : createKafkaLog({
        brokers: config.log.brokers,
        clientId: 'nexural-consumer-contract',
        consumer: { sessionTimeout: 6_000, heartbeatInterval: 500, maxBytesPerPartition: 32 * 1024 },
      });
const storeTarget = config.store;
const opened =
  storeTarget.kind === 'pglite'
    ? await (async () => {
        const pglite = await PGlite.create({ dataDir: storeTarget.dataDir });
        const store = await openPgliteStore({ db: pglite });
        const db = pgliteDatabase(pglite);
        return {
          store,
          ledgers: sqlEffectLedgerStore(db),
          strategies: sqlStrategyStore(db),
          close: () => store.close(),
        };
      })()
    : await (async () => {
        const target = { connectionString: storeTarget.url, schema: storeTarget.schema };
        const store = await openPostgresStore(target);
        const db = await openPgDatabase(target);
        return {
          store,
          ledgers: sqlEffectLedgerStore(db),
          strategies: sqlStrategyStore(db),
          close: async () => {
            await db.close();
            await store.close();
          },
        };
      })();
if (config.migrate) await opened.store.migrate();
const { decoders, deadLetters, strategySignals } = contractDecoders(config.topics);
const running = await startConsumer(
  definition,
  {
    log,
    decoders,
    deadLetters,
    ledgers: opened.ledgers,
    store: opened.store,
    strategies: opened.strategies,
    strategySignals,
    fanout: null,
    jobs: null,
    metrics: new Registry(),
    logger: {
      info: () => {},
      warn: () => {},
      error: (message) => process.stderr.write(`${message}\n`),
    },
  },
  {
    config: config.consumer.config,
    groupId: config.groupId,
    retry: { attempts: 2, backoffMs: 10 },
    onError: (error) => {
      process.stderr.write(`consumer failed: ${error.stack ?? error.message}\n`);
      process.exit(2);
    },
  },
);
say('ready');
const inputTopics = definition.inputs.flatMap((input) =>
  isChannelInput(input) ? [] : [decoders[input].topic],
);
let reported = false;
const timer = setInterval(() => {
  say(`progress ${running.stats.handled}`);
  void (async () => {
    const done = await Promise.all(
      inputTopics.map(async (topic) => {
        const [ranges, committed] = await Promise.all([
          log.admin.partitionRanges(topic),
          log.admin.committedOffsets(running.groupId, topic),
        ]);
        return ranges.every(
          ({ partition, low, high }) =>
            high === low || committed.find((entry) => entry.partition === partition)?.offset === high,
        );
      }),
    ).catch(() => [false]);
    if (done.every(Boolean) && !reported) {
      reported = true;
      say('caught-up');
    }
  })();
}, 100);
process.once('SIGTERM', () => {
  clearInterval(timer);
  void (async () => {
    await running.close();
    await opened.close();
    await log.close();
    say('closed');
    process.exit(0);
  })();
});
