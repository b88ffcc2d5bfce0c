import { describe, expect, it } from 'vitest';
import { createEmbeddedLog } from '../log/embedded-log.js';
import { runZombieScenario } from './testing/zombie-scenario.js';

const allEqual = { bars: true, barsFinal: true, indicators: true, alerts: true, deadLetters: true };

describe('shared transactions on the embedded log: a stalled processor whose partitions moved (a zombie)', () => {
  it.each(['sendOffsets', 'commit'] as const)(
    'its round held at %s while a second processor takes partitions over is refused (NXR_GROUP_MOVED), nothing of it visible: the derived topics equal a clean run, without duplicates',
    async (step) => {
      const log = createEmbeddedLog();
      try {
        const report = await runZombieScenario({
          step,
          harness: log,
          zombieLog: log,
          ownerLog: log,
          detachRevocations: true,
          quietMs: 300,
          timeoutMs: 60_000,
          say: (line) => console.log(line),
        });
        console.log(
          [
            `zombie warnings: ${JSON.stringify(report.zombie.warnings)}`,
            `owner warnings: ${JSON.stringify(report.owner.warnings)}`,
            `zombie stats: rebuilds ${report.zombie.stats.rebuilds}, transactions ${report.zombie.stats.transactions}, partitions ${report.zombie.stats.partitions}; ${report.seconds} s`,
          ].join('\n'),
        );
        expect(report.heldOffsets).toHaveLength(3);
        expect(report.movedToOwner.length).toBeGreaterThan(0);
        // the embedded log checks the generation at commit, with the offsets (Kafka at TxnOffsetCommit)
        expect(report.outcome).toMatchObject({
          kind: 'refused',
          step: 'commit',
          error: { code: 'NXR_GROUP_MOVED' },
        });
        // held after its offsets were sent, the zombie's transaction held the new owner's stable read up
        if (step === 'commit') expect(report.ownerStableWaitMs).toBeGreaterThanOrEqual(1_500);
        else expect(report.ownerStableWaitMs).toBeLessThan(1_000);
        expect([...report.zombie.errors, ...report.owner.errors]).toEqual([]);
        // the zombie dropped the refused round's partitions: nothing rebuilt, nothing retried
        expect(report.zombie.stats.rebuilds).toBe(0);
        // both go on with the input after the round: the zombie with its partitions of the new generation
        expect(report.zombieAssignments).toHaveLength(2);
        expect(report.zombieRecordsAfter).toBeGreaterThan(0);
        expect(report.ownerRecordsAfter).toBeGreaterThan(0);
        expect(report.equal).toEqual(allEqual);
        expect(report.duplicates).toBe(0);
        expect(report.records.alerts).toBeGreaterThan(0);
      } finally {
        await log.close();
      }
    },
    120_000,
  );
});
