/**
 * A processor in a process of its own for the fault suite: `node --import tsx processor-child.ts '<json>'`.
 * Prints `ready` once it has joined, `health <json>` on every change of its role health, `stats <json>`
 * every 250 ms, and stops gracefully on SIGTERM. If the processor gives up, it prints why and exits 2:
 * the fault suite counts that as a failed case (nobody restarts it).
 */
import { createKafkaLog } from '../../pipeline/runtime/log/kafka-log.js';
import { type CrashChildConfig, crashEngine } from '../../pipeline/runtime/processor/crash-harness.js';
import { createProcessor } from '../../pipeline/runtime/processor/processor.js';
import { jsonSerdes } from '../../pipeline/runtime/processor/processor-test-kit.js';
import { createRoleHealthRegistry } from '../../schemas/ports/role-health.js';

const config = JSON.parse(process.argv[2] ?? '{}') as CrashChildConfig;
const log = createKafkaLog({
  brokers: config.brokers,
  clientId: 'nexural-fault-processor',
  consumer: { sessionTimeout: 10_000, heartbeatInterval: 500, maxBytesPerPartition: 256 * 1024 },
});
const health = createRoleHealthRegistry((role, state) =>
  process.stdout.write(`health ${JSON.stringify({ at: Date.now(), role, ...state })}\n`),
);
const processor = createProcessor({
  log,
  topics: config.topics,
  serdes: jsonSerdes(config.topics),
  fanout: null,
  health,
  rebuildDelayMs: { first: 250, max: 2_000 },
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
