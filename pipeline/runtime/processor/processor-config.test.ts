import { describe, expect, it } from 'vitest';
import { parseProcessorConfig } from './processor-config.js';

const engine = { bars: { intervals: ['1m'] }, indicators: ['rsi(14)'] };

describe('processor config', () => {
  it('takes a bar lateness (the engine computes each bar once it is final: bar-lateness.test.ts, lateness.test.ts)', () => {
    const config = parseProcessorConfig({
      groupId: 'g',
      engine: { ...engine, bars: { ...engine.bars, allowedLatenessMs: 500 } },
    });
    expect(config.engine.bars).toMatchObject({ allowedLatenessMs: 500, graceMs: 0 });
  });

  it('takes no lateness (the default) and a grace for late ticks', () => {
    const config = parseProcessorConfig({
      groupId: 'g',
      engine: { ...engine, bars: { ...engine.bars, graceMs: 5_000 } },
    });
    expect(config.engine.bars).toMatchObject({ allowedLatenessMs: 0, graceMs: 5_000 });
  });
});
