import { describe, expect, it } from 'vitest';
import { kafkaBrokers } from '../../../test/stack-env.js';
import { createPlatformaticLog } from '../log/platformatic-log.js';
import { runZombieScenario } from './testing/zombie-scenario.js';

const allEqual = { bars: true, barsFinal: true, indicators: true, alerts: true, deadLetters: true };

const logs = () => {
  const brokers = kafkaBrokers();
  return {
    harness: createPlatformaticLog({ brokers, clientId: 'nexural-zombie-harness' }),
    zombieLog: createPlatformaticLog({ brokers, clientId: 'nexural-zombie' }),
    ownerLog: createPlatformaticLog({ brokers, clientId: 'nexural-zombie-owner' }),
  };
};

describe('shared transactions on Kafka (platformatic): a stalled processor whose partitions moved (a zombie)', () => {
  it('its round held before its offsets are sent, while a second processor joins and takes partitions over, is refused at TxnOffsetCommit (NXR_GROUP_MOVED) and aborted: the derived topics equal a clean run, without duplicates', async () => {
    const { harness, zombieLog, ownerLog } = logs();
    try {
      const report = await runZombieScenario({
        step: 'sendOffsets',
        harness,
        zombieLog,
        ownerLog,
        detachRevocations: false,
        quietMs: 1_500,
        timeoutMs: 120_000,
        say: (line) => console.log(line),
      });
      console.log(
        `zombie warnings ${JSON.stringify(report.zombie.warnings)}; owner warnings ${JSON.stringify(report.owner.warnings)}; zombie rebuilds ${report.zombie.stats.rebuilds}; ${report.seconds} s`,
      );
      expect(report.heldOffsets).toHaveLength(3);
      expect(report.movedToOwner.length).toBeGreaterThan(0);
      expect(report.outcome).toMatchObject({
        kind: 'refused',
        step: 'sendOffsets',
        error: { code: 'NXR_GROUP_MOVED' },
      });
      // nothing held the new owner's restore: the open transaction had no offsets yet
      expect(report.ownerStableWaitMs).toBeLessThan(1_000);
      expect([...report.zombie.errors, ...report.owner.errors]).toEqual([]);
      expect(report.zombie.stats.rebuilds).toBe(0);
      // both go on with the input after the round: the zombie with its partitions of the new generation
      expect(report.zombieAssignments).toHaveLength(2);
      expect(report.zombieRecordsAfter).toBeGreaterThan(0);
      expect(report.ownerRecordsAfter).toBeGreaterThan(0);
      expect(report.equal).toEqual(allEqual);
      expect(report.duplicates).toBe(0);
      expect(report.records.alerts).toBeGreaterThan(0);
    } finally {
      await Promise.all([zombieLog.close(), ownerLog.close()]);
      await harness.close();
    }
  }, 300_000);

  it("its round held after its offsets were taken, while a second processor takes partitions over, commits (EndTxn does not check the generation); the new owner's stable read waits for it and continues from its offsets: the derived topics equal a clean run, without duplicates", async () => {
    const { harness, zombieLog, ownerLog } = logs();
    try {
      const report = await runZombieScenario({
        step: 'commit',
        harness,
        zombieLog,
        ownerLog,
        detachRevocations: false,
        quietMs: 1_500,
        timeoutMs: 120_000,
        say: (line) => console.log(line),
      });
      console.log(
        `zombie warnings ${JSON.stringify(report.zombie.warnings)}; owner warnings ${JSON.stringify(report.owner.warnings)}; zombie rebuilds ${report.zombie.stats.rebuilds}; ${report.seconds} s`,
      );
      expect(report.heldOffsets).toHaveLength(3);
      expect(report.movedToOwner.length).toBeGreaterThan(0);
      expect(report.outcome).toEqual({ kind: 'committed' });
      expect(report.ownerStableWaitMs).toBeGreaterThanOrEqual(1_500);
      expect([...report.zombie.errors, ...report.owner.errors]).toEqual([]);
      expect(report.zombie.stats.rebuilds).toBe(0);
      // both go on with the input after the round: the zombie with its partitions of the new generation
      expect(report.zombieAssignments).toHaveLength(2);
      expect(report.zombieRecordsAfter).toBeGreaterThan(0);
      expect(report.ownerRecordsAfter).toBeGreaterThan(0);
      // had the new owner started from the offsets before the zombie's round, it would repeat that round's outputs
      expect(report.equal).toEqual(allEqual);
      expect(report.duplicates).toBe(0);
      expect(report.records.alerts).toBeGreaterThan(0);
    } finally {
      await Promise.all([zombieLog.close(), ownerLog.close()]);
      await harness.close();
    }
  }, 300_000);
});
