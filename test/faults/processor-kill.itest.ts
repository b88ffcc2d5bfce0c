import { describe, expect, it } from 'vitest';
import { kafkaBrokers } from '../stack-env.js';
import { runProcessorKill } from './processor-kill.js';

describe('fault: processor SIGKILL, restarted as a supervisor would (the shared broker, unique topics)', () => {
  it('the restarted processor is back by itself — /ready red from the kill until it rejoined, green after — and its derived topics equal an undisturbed run, without duplicates', async () => {
    const lines: string[] = [];
    const report = await runProcessorKill({
      brokers: kafkaBrokers(),
      rounds: 1,
      partitions: 2,
      kills: 1,
      // at a quarter of the input: the kill must land mid-stream (asserted below)
      killsWithin: 0.5,
      restartDelayMs: 500,
      boundMs: 45_000,
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
    expect(report.equal).toEqual({
      bars: true,
      barsFinal: true,
      indicators: true,
      alerts: true,
      deadLetters: true,
    });
    expect(report.duplicates).toBe(0);
    expect(report.recordsCompared).toBeGreaterThan(10_000);
    expect(report.verdict).toBe('pass');
  }, 300_000);
});
