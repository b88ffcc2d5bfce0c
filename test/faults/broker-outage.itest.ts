import { describe, expect, it } from 'vitest';
import { runBrokerOutage } from './broker-outage.js';

describe('fault: broker kill -9 and restart under the processor (a private broker, never the shared one)', () => {
  it('the processor rides out an 8 s outage by itself — red while its partitions wait, green after — and its derived topics equal an undisturbed run, without duplicates', async () => {
    const lines: string[] = [];
    const report = await runBrokerOutage({
      rounds: 1,
      partitions: 2,
      downtimeMs: 8_000,
      outages: 1,
      say: (line) => lines.push(line),
    });
    console.log(lines.filter((line) => !line.includes('"logger":"kafkajs"')).join('\n'));
    expect(report.exitedByItself).toBe(false);
    expect(report.redWhileDown).toBe(true);
    expect(report.recoveryMs).toBeLessThan(120_000);
    expect(report.equal).toEqual({
      bars: true,
      barsFinal: true,
      indicators: true,
      alerts: true,
      deadLetters: true,
    });
    expect(report.duplicates).toBe(0);
    expect(report.recordsCompared).toBeGreaterThan(10_000);
  }, 600_000);
});
