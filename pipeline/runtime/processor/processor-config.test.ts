import { describe, expect, it } from 'vitest';
import { parseProcessorConfig } from './processor-config.js';

const engine = { bars: { intervals: ['1m'] }, indicators: ['rsi(14)'] };

describe('processor config', () => {
  it('refuses a bar lateness, naming the path: the engine would emit no indicator values for those bars', () => {
    const refused = (() => {
      try {
        parseProcessorConfig({
          groupId: 'g',
          engine: { ...engine, bars: { ...engine.bars, allowedLatenessMs: 500 } },
        });
      } catch (error) {
        return error;
      }
    })();
    expect(refused).toMatchObject({ code: 'NXR_CONFIG_INVALID' });
    expect(String(refused)).toContain('engine.bars.allowedLatenessMs');
    expect(String(refused)).toContain('no indicator values');
  });

  it('takes no lateness (the default) and a grace for late ticks', () => {
    const config = parseProcessorConfig({
      groupId: 'g',
      engine: { ...engine, bars: { ...engine.bars, graceMs: 5_000 } },
    });
    expect(config.engine.bars).toMatchObject({ allowedLatenessMs: 0, graceMs: 5_000 });
  });
});
