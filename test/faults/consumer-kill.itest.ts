import { describe, expect, it } from 'vitest';
import { kafkaBrokers, stackEnv } from '../stack-env.js';
import { runConsumerKill } from './consumer-kill.js';

describe('fault: `nexural consumers run alert-log` SIGKILL, restarted as a supervisor would (shared Kafka, a scratch database)', () => {
  it('the restarted consumer is back by itself — /ready red from the kill until it rejoined, green after — and its effect log holds every real alert once, in order', async () => {
    const lines: string[] = [];
    const report = await runConsumerKill({
      brokers: kafkaBrokers(),
      databaseUrl: stackEnv().DATABASE_URL,
      kills: 1,
      restartDelayMs: 500,
      boundMs: 45_000,
      rounds: 60,
      alertsPerTick: 40,
      say: (line) => lines.push(line),
    });
    console.log(lines.join('\n'));
    expect(report.exitedByItself).toBe(false);
    expect(report.redWhileDown).toBe(true);
    // the kill landed mid-stream: the role had committed only part of the input when it died
    const { done, total } = report.faultsAt ?? { done: [], total: 0 };
    expect(done).toHaveLength(1);
    expect(Math.min(...done)).toBeLessThan(total);
    expect(report.recoveryMs).toBeLessThan(45_000);
    expect(report.equal).toEqual({ effects: true });
    expect(report.duplicates).toBe(0);
    expect(report.recordsCompared).toBe(1320);
    expect(report.verdict).toBe('pass');
  }, 120_000);
});
