import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toOutputs } from './indicator.js';
import { createIndicator } from './registry.js';
import { readRealBars } from './testing/real-bars.js';

/** One fixture file, written by scripts/talib-vectors/generate.mjs from TA-Lib's own C code. */
interface TalibFixture {
  readonly indicator: string;
  readonly source: { readonly reference: string };
  readonly cases: ReadonlyArray<{
    readonly spec: string;
    readonly data: { readonly file: string; readonly firstRow: number; readonly rows: number };
    readonly talib: ReadonlyArray<{ readonly function: string }>;
    readonly firstOutput: number;
    readonly outputs: Readonly<Record<string, ReadonlyArray<number | null>>>;
  }>;
}

const fixturesDir = new URL('./fixtures/', import.meta.url);
const fixtures = readdirSync(fixturesDir)
  .filter((file) => /^talib-.*\.json$/.test(file))
  .map((file) => JSON.parse(readFileSync(new URL(file, fixturesDir), 'utf8')) as TalibFixture);

describe.each(fixtures.map((fixture) => [fixture.indicator, fixture] as const))('%s', (_name, fixture) => {
  it.each(
    fixture.cases.map((c) => [c.spec, c.talib.map((t) => t.function).join('+'), c.data.file, c] as const),
  )(
    '%s equals TA-Lib %s on %s bit for bit, each output absent before TA-Lib gives it',
    (_spec, _functions, _file, testCase) => {
      const bars = readRealBars(testCase.data.file, testCase.data.firstRow, testCase.data.rows);
      expect(bars).toHaveLength(testCase.data.rows);
      const indicator = createIndicator(testCase.spec);
      const expectedOutputs = Object.entries(testCase.outputs);
      const mismatches: string[] = [];
      bars.forEach((bar, row) => {
        const result = indicator.add(bar);
        const anyExpected = expectedOutputs.some(([, values]) => typeof values[row] === 'number');
        if (result === null) {
          if (anyExpected) mismatches.push(`row ${row}: null, TA-Lib has a value`);
          return;
        }
        const outputs = toOutputs(result);
        for (const [output, expectedValues] of expectedOutputs) {
          const expected = expectedValues[row];
          const actual = outputs[output];
          if (expected === null || expected === undefined) {
            if (actual !== undefined)
              mismatches.push(`row ${row} ${output}: ${actual} before TA-Lib's first output`);
          } else if (actual !== expected) {
            mismatches.push(`row ${row} ${output}: ${actual} vs TA-Lib ${expected}`);
          }
        }
      });
      expect(mismatches.slice(0, 5)).toEqual([]);
    },
  );
});
