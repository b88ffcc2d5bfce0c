import { expect, it } from 'vitest';
import { consumerRegistry } from '../index.js';
import { type ContractBackend, type ContractSubject, runConsumerContract } from './contract.js';
import { finalBarEffectsSubject, registeredSubjects } from './contract-subjects.js';

/**
 * The consumer contract's cases, the same on every log adapter: each registered consumer (and the small
 * final-bar consumer of the test kit) killed with SIGKILL 3 times and restarted makes exactly a clean run's
 * effects, in per-key order; poison records reach the DLQ with the consumer's name; SIGTERM drains.
 */
export function consumerContractCases(
  backend: () => ContractBackend,
  /** run the subjects at once (the embedded log: each run has its own folder) */
  options: {
    readonly concurrent: boolean;
    /** consumers not registered yet that run the contract too (candidates) */
    readonly candidates?: readonly ContractSubject[];
  },
): void {
  const seed = Number(process.env.NEXURAL_CONSUMER_SEED ?? Math.floor(Math.random() * 2 ** 31));

  it('has a contract subject for every registered consumer', () => {
    expect(Object.keys(registeredSubjects).sort()).toEqual(
      consumerRegistry.map((entry) => entry.name).sort(),
    );
  });

  const subjects = [
    finalBarEffectsSubject,
    ...Object.values(registeredSubjects),
    ...(options.candidates ?? []),
  ];
  for (const subject of subjects) {
    (options.concurrent ? it.concurrent : it)(
      `${subject.name}: killed with SIGKILL 3 times and restarted, its effects equal a clean run's; poison records reach the DLQ; SIGTERM drains`,
      async () => {
        const embedded = backend().log === 'embedded';
        const runs = (kills: number) => runConsumerContract(subject, backend(), { kills, seed });
        // on the shared Kafka one run at a time: concurrent groups there mean rebalances under load
        const [clean, killed] = embedded
          ? await Promise.all([runs(0), runs(3)])
          : [await runs(0), await runs(3)];
        console.log(
          `${subject.name} on ${backend().log}, seed ${seed}: ${clean.effects.length} effects, ${killed.midRunKills} kills mid-run, dead letters ${killed.deadLetters.join(' | ')}`,
        );
        expect(clean.effects.length).toBeGreaterThan(0);
        expect(killed.effects, `seed ${seed}`).toEqual(clean.effects);
        expect(killed.externalEffects, `seed ${seed}`).toEqual(clean.externalEffects);
        expect(new Set(killed.externalEffects).size).toBe(killed.externalEffects.length);
        expect(killed.outOfOrder).toBe(0);
        expect(killed.deadLetters).toEqual(clean.deadLetters);
        expect(
          clean.deadLetters.some(
            (line) =>
              line.includes(`NXR_PARSE_FAILED ${subject.name}`) ||
              line.includes(`NXR_SCHEMA_INVALID ${subject.name}`),
          ),
        ).toBe(true);
        expect(clean.closedCleanly && killed.closedCleanly).toBe(true);
        if (embedded) {
          expect(killed.midRunKills, `seed ${seed}: kills that landed before the child caught up`).toBe(3);
        }
      },
      600_000,
    );
  }
}
