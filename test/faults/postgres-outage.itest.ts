import { describe, expect, it } from 'vitest';
import { kafkaBrokers } from '../stack-env.js';
import { runPostgresOutage } from './postgres-outage.js';

describe('fault: PostgreSQL kill -9 and restart under `nexural sink` (a private PostgreSQL, never the shared one)', () => {
  it('the sink keeps its group through a 10 s outage — /ready red meanwhile, green after — resumes by itself and stores exactly the produced bars', async () => {
    const lines: string[] = [];
    const report = await runPostgresOutage({
      brokers: kafkaBrokers(),
      downtimeMs: 10_000,
      barsPerTick: 60,
      say: (line) => lines.push(line),
    });
    console.log(lines.join('\n'));
    expect(report.exitedByItself).toBe(false);
    expect(report.redWhileDown).toBe(true);
    expect(report.recoveryMs).toBeLessThan(60_000);
    expect(report.equal).toEqual({ bars: true });
    expect(report.recordsCompared).toBe(3560);
    expect(report.verdict).toBe('pass');
  }, 300_000);
});
