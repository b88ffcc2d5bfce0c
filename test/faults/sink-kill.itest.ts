import { describe, expect, it } from 'vitest';
import { kafkaBrokers, stackEnv } from '../stack-env.js';
import { runSinkKill } from './sink-kill.js';

describe('fault: `nexural sink` SIGKILL, restarted as a supervisor would (shared Kafka, a scratch database)', () => {
  it('the restarted sink is back by itself — /ready red from the kill until it rejoined, green after — and stores exactly the 3,560 produced real bars', async () => {
    const lines: string[] = [];
    const report = await runSinkKill({
      brokers: kafkaBrokers(),
      databaseUrl: stackEnv().DATABASE_URL,
      kills: 1,
      restartDelayMs: 500,
      boundMs: 45_000,
      barsPerTick: 120,
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
    expect(report.equal).toEqual({ bars: true });
    expect(report.recordsCompared).toBe(3560);
    expect(report.verdict).toBe('pass');
  }, 120_000);
});
