import { describe, expect, it } from 'vitest';
import { DEFAULT_KAFKA_CLIENT, envSchema } from '../../../schemas/env.js';
import { kafkaBrokers } from '../../../test/stack-env.js';
import { runCrashTest } from './testing/crash-harness.js';

// NEXURAL_KAFKA_CLIENT picks the processors' client, as it does for `nexural run`; unset, the test runs on the
// default client and on kafkajs alone (both are supported; the default's transactions are @platformatic/kafka's)
const chosen = process.env.NEXURAL_KAFKA_CLIENT;
const clients =
  chosen === undefined
    ? [DEFAULT_KAFKA_CLIENT, 'kafkajs' as const]
    : [envSchema.shape.NEXURAL_KAFKA_CLIENT.parse(chosen)];
// shared transactions on the clients that fence offsets by group generation (KIP-447)
const runs = [
  ...clients.map((client) => ({ client, transactions: 'per-partition' as const })),
  ...clients
    .filter((client) => client === 'platformatic')
    .map((client) => ({ client, transactions: 'shared' as const })),
];

describe.each(runs)(
  'processor crash test on Kafka ($client, $transactions transactions)',
  ({ client, transactions }) => {
    it('after ≥ 5 SIGKILLs at random points during ≥ 222,928 real ticks and a restart after each, the derived topics equal a clean run, record for record, without duplicates', async () => {
      const seed = Number(process.env.NEXURAL_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
      const lines: string[] = [];
      const report = await runCrashTest({
        brokers: kafkaBrokers(),
        // shared transactions run the input fastest (clean run 6.7 s): with 4 rounds, kills 5-7 of 7 of a CI run
        // (2026-12-07, seed in its log) came after the last commit, 4 mid-stream; twice the input leaves room
        rounds: transactions === 'shared' ? 8 : 4,
        kills: 7,
        partitions: 3,
        seed,
        snapshotEveryRecords: 20_000,
        // the mode with more moving parts under a kill: rule sets committed first, held after a restore
        alertsToFanout: 'at-once',
        client,
        transactions,
        say: (line) => lines.push(line),
      });
      console.log(lines.join('\n'));
      expect(report.ticks).toBeGreaterThanOrEqual(200_000);
      // a kill counts when the child still had input left (a restart can catch up before its kill)
      expect(report.kills.filter((kill) => kill.midRun).length).toBeGreaterThanOrEqual(5);
      expect(report.equal, `seed ${seed}`).toEqual({
        bars: true,
        barsFinal: true,
        indicators: true,
        alerts: true,
        deadLetters: true,
      });
      expect(report.duplicates).toBe(0);
      expect(report.records.alerts).toBeGreaterThan(0);
      expect(report.records.deadLetters).toBe(report.badRecords);
    }, 900_000);
  },
);
