/**
 * A processor in a process of its own, for the crash test and the fault suite:
 * `node --import tsx crash-child.ts '<json>'` (spawned through testing/role-child.ts). Prints `ready` once it
 * has joined, `health <json>` on every change of its role health, `stats <json>` every 250 ms, serves
 * GET /health and /ready on 127.0.0.1:<healthPort> when given, and stops gracefully on SIGTERM. The harnesses
 * kill it with SIGKILL; nothing here prepares for that. If the processor gives up, it prints why and exits 2.
 */
import { startRoleHealth } from '../../../../cli/role-health.js';
import { DEFAULT_KAFKA_CLIENT } from '../../../../schemas/env.js';
import { createRoleHealthRegistry } from '../../../../schemas/ports/role-health.js';
import { kafkaLogs } from '../../log/stream-log-from-env.js';
import { createProcessor } from '../processor.js';
import { type CrashChildConfig, crashEngine } from './crash-harness.js';
import { jsonSerdes } from './processor-test-kit.js';

const config = JSON.parse(process.argv[2] ?? '{}') as CrashChildConfig;
const log = kafkaLogs[config.client ?? DEFAULT_KAFKA_CLIENT]({
  brokers: config.brokers,
  clientId: 'nexural-crash-child',
  // a killed member is noticed after its session times out: keep that short (the broker's minimum is 6 s);
  // small fetches make many small transactions, so kills land at many different points of the stream
  consumer: {
    sessionTimeout: config.sessionTimeoutMs ?? 6_000,
    heartbeatInterval: 500,
    maxBytesPerPartition: 256 * 1024,
  },
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
    alertsToFanout: config.alertsToFanout,
    ...(config.transactions === undefined ? {} : { transactions: config.transactions }),
    ...(config.instanceId === undefined ? {} : { instanceId: config.instanceId }),
  },
  onError: (error) => {
    process.stderr.write(`processor failed: ${error.stack ?? error.message}\n`);
    process.exit(2);
  },
  onWarning: (message) => process.stderr.write(`warning: ${message}\n`),
});
const endpoint =
  config.healthPort === undefined
    ? null
    : await startRoleHealth({
        role: 'processor',
        host: '127.0.0.1',
        port: config.healthPort,
        roles: health,
        checks: [{ name: 'stream-log', check: () => log.admin.listTopics() }],
      });
await processor.start();
process.stdout.write('ready\n');
const timer = setInterval(() => process.stdout.write(`stats ${JSON.stringify(processor.stats)}\n`), 250);
process.once('SIGTERM', () => {
  clearInterval(timer);
  void (async () => {
    endpoint?.draining();
    await processor.close();
    await log.close();
    await endpoint?.close();
    process.stdout.write('closed\n');
    process.exit(0);
  })();
});
