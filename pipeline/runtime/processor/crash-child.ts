/**
 * A processor in a process of its own, for the crash test: `node --import tsx crash-child.ts '<json>'`.
 * Prints `ready` once it has joined, `stats <json>` every 250 ms, and stops gracefully on SIGTERM.
 * The harness kills it with SIGKILL at random points; nothing here prepares for that.
 */
import { createKafkaLog } from '../log/kafka-log.js';
import { type CrashChildConfig, crashEngine } from './crash-harness.js';
import { createProcessor } from './processor.js';
import { jsonSerdes } from './processor-test-kit.js';

const config = JSON.parse(process.argv[2] ?? '{}') as CrashChildConfig;
const log = createKafkaLog({
  brokers: config.brokers,
  clientId: 'nexural-crash-child',
  // a killed member is noticed after its session times out: keep that short (the broker's minimum is 6 s);
  // small fetches make many small transactions, so kills land at many different points of the stream
  consumer: { sessionTimeout: 6_000, heartbeatInterval: 500, maxBytesPerPartition: 256 * 1024 },
});
const processor = createProcessor({
  log,
  topics: config.topics,
  serdes: jsonSerdes(config.topics),
  fanout: null,
  config: {
    groupId: config.groupId,
    engine: crashEngine,
    snapshotEveryRecords: config.snapshotEveryRecords,
    snapshotEveryMs: 2_000,
  },
  onError: (error) => {
    process.stderr.write(`processor failed: ${error.stack ?? error.message}\n`);
    process.exit(2);
  },
  onWarning: (message) => process.stderr.write(`warning: ${message}\n`),
});
await processor.start();
process.stdout.write('ready\n');
const timer = setInterval(() => process.stdout.write(`stats ${JSON.stringify(processor.stats)}\n`), 250);
process.once('SIGTERM', () => {
  clearInterval(timer);
  void (async () => {
    await processor.close();
    await log.close();
    process.stdout.write('closed\n');
    process.exit(0);
  })();
});
