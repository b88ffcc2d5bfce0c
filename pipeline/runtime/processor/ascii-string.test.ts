import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { asciiString } from './ascii-string.js';

describe('asciiString', () => {
  it('reads printable ASCII of every length, anywhere in a buffer, as latin1 does', () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
          maxLength: 40,
        }),
        fc.string({
          unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
          maxLength: 130,
        }),
        (before, text) => {
          const value = Buffer.from(`${before}${text}"}`, 'latin1');
          expect(asciiString(value, before.length, text.length)).toBe(text);
        },
      ),
      { seed: 6, numRuns: 20_000 },
    );
  });

  it('reads the ids of a venue as written, 1 to 20 digits', () => {
    for (let length = 1; length <= 20; length++) {
      const id = '9876543210123456789012'.slice(0, length);
      expect(asciiString(Buffer.from(`{"tradeId":"${id}"`), 12, length)).toBe(id);
    }
  });
});
