/**
 * The long crash test: the processor in a child process killed with SIGKILL at many random points over a
 * long run, then the derived topics compared with a clean run's, record by record (CI runs a short one
 * in pipeline/runtime/processor/crash.itest.ts).
 * Run: `npx tsx bench/crash.ts [rounds=10] [kills=20] [seed=random] [partitions=3]` with the stack up
 * (`bash scripts/stack up`; KAFKA_BROKERS defaults to 127.0.0.1:39092). Each round is 55,732 real trades.
 * NEXURAL_KAFKA_CLIENT picks the processor children's client (default platformatic).
 */

import { runCrashTest } from '../pipeline/runtime/processor/testing/crash-harness.js';
import { envSchema } from '../schemas/env.js';
import { printTable } from './bench-table.js';

const rounds = Number(process.argv[2] ?? 10);
const kills = Number(process.argv[3] ?? 20);
const seed = Number(process.argv[4] ?? Math.floor(Math.random() * 2 ** 31));
const partitions = Number(process.argv[5] ?? 3);
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:39092').split(',');

const say = (line: string) => process.stdout.write(`${line}\n`);
say(
  `crash test: ${rounds} rounds, ${kills} kills, seed ${seed}, ${partitions} partitions, ${brokers.join(',')}`,
);
const report = await runCrashTest({
  brokers,
  rounds,
  kills,
  partitions,
  seed,
  snapshotEveryRecords: 20_000,
  client: envSchema.shape.NEXURAL_KAFKA_CLIENT.parse(process.env.NEXURAL_KAFKA_CLIENT),
  say,
});

printTable(
  'kills',
  report.kills.map((kill, index) => ({
    kill: index + 1,
    phase: kill.phase,
    'ms after start': kill.afterMs,
    'input records committed': kill.committed,
    'input left': kill.midRun ? 'yes' : 'no',
  })),
);
printTable(
  'derived topics: crashed run vs clean run',
  Object.entries(report.records).map(([role, records]) => ({
    topic: role,
    records,
    'same records, same order': report.equal[role] ? 'yes' : 'NO',
  })),
);
say(
  `\n${report.ticks} ticks + ${report.badRecords} bad records; ${report.kills.length} SIGKILLs; duplicates ${report.duplicates}; clean run ${report.cleanSeconds.toFixed(1)} s, crashed run ${report.crashedSeconds.toFixed(1)} s (seed ${report.seed})`,
);
const ok = Object.values(report.equal).every(Boolean) && report.duplicates === 0;
say(ok ? 'RESULT: equal, byte for byte' : 'RESULT: DIFFERENT');
process.exitCode = ok ? 0 : 1;
