/**
 * `npm run faults`: the long version of the fault suite, on private Kafka / PostgreSQL / Redis instances (the
 * shared stack is only read and written, never killed). Prints a table: fault, downtime, recovery time,
 * records compared, verdict. Exit code 1 when a case fails.
 *
 *   npm run faults                 # KAFKA_BROKERS / DATABASE_URL from the environment, else the local stack's
 *   npm run faults -- processor sink  # only these cases (broker, postgres, redis, processor, sink, consumer)
 */
import type { FaultReport } from './broker-outage.js';
import { runBrokerOutage } from './broker-outage.js';
import { runConsumerKill } from './consumer-kill.js';
import { runPostgresOutage } from './postgres-outage.js';
import { runProcessorKill } from './processor-kill.js';
import { runRedisRestart } from './redis-restart.js';
import { runSinkKill } from './sink-kill.js';

const say = (line: string) => {
  if (!line.includes('"logger":"kafkajs"'))
    process.stdout.write(`${new Date().toISOString().slice(11, 23)} ${line}\n`);
};
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:39092').split(',').map((broker) => broker.trim());
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:35432/nexural';
// three kills per role, the supervisor restarting it after 1 s (systemd's RestartSec, compose's restart delay)
const kill = { brokers, kills: 3, restartDelayMs: 1_000, boundMs: 60_000, say };

const reports: FaultReport[] = [];
const cases: [string, () => Promise<FaultReport>][] = [
  ['broker', () => runBrokerOutage({ rounds: 2, partitions: 3, downtimeMs: 20_000, outages: 2, say })],
  ['postgres', () => runPostgresOutage({ brokers, downtimeMs: 20_000, barsPerTick: 40, say })],
  ['redis', () => runRedisRestart({ rounds: 2, downtimeMs: 10_000, say })],
  ['processor', () => runProcessorKill({ ...kill, rounds: 2, partitions: 3 })],
  ['sink', () => runSinkKill({ ...kill, databaseUrl, barsPerTick: 10 })],
  ['consumer', () => runConsumerKill({ ...kill, databaseUrl, rounds: 200, alertsPerTick: 15 })],
];
const only = process.argv.slice(2);
// NEXURAL_FAULTS_REPEAT=N: each chosen case N times in a row (an intermittent failure's rate)
const repeat = Math.max(1, Number(process.env.NEXURAL_FAULTS_REPEAT ?? 1) || 1);
const runs = cases.flatMap((entry) => Array.from({ length: repeat }, () => entry));
for (const [name, run] of runs) {
  if (only.length > 0 && !only.includes(name)) continue;
  say(`— ${name} —`);
  try {
    reports.push(await run());
  } catch (error) {
    say(`${name}: ${String(error)}`);
    reports.push({
      fault: name,
      downtimeMs: 0,
      recoveryMs: Number.POSITIVE_INFINITY,
      recordsCompared: 0,
      equal: {},
      duplicates: 0,
      redWhileDown: false,
      exitedByItself: true,
      verdict: 'FAIL',
    });
  }
}

const rows = [
  ['fault', 'downtime', 'recovery', 'records compared', 'red while down', 'faults at (committed)', 'verdict'],
  ...reports.map((report) => [
    report.fault,
    `${(report.downtimeMs / 1000).toFixed(1)} s`,
    Number.isFinite(report.recoveryMs) ? `${(report.recoveryMs / 1000).toFixed(1)} s` : 'never',
    String(report.recordsCompared),
    report.redWhileDown ? 'yes' : 'no',
    report.faultsAt ? `${report.faultsAt.done.join(', ')} of ${report.faultsAt.total}` : '',
    report.verdict,
  ]),
];
const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
for (const [index, row] of rows.entries()) {
  process.stdout.write(`${row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ')}\n`);
  if (index === 0) process.stdout.write(`${widths.map((width) => '-'.repeat(width)).join('  ')}\n`);
}
process.exit(reports.every((report) => report.verdict === 'pass') ? 0 : 1);
