import { describe, expect, it } from 'vitest';
import type { DatabaseCapabilities } from '../../schemas/ports/store.js';
import { describeCapabilities, meetsRequirement, splitSections } from './migration-sections.js';

const plain: DatabaseCapabilities = { serverVersion: '15.20', timescaledb: null };
const apache: DatabaseCapabilities = {
  serverVersion: '15.20',
  timescaledb: { version: '2.19.3', license: 'apache' },
};
const tsl: DatabaseCapabilities = {
  serverVersion: '17.5',
  timescaledb: { version: '2.21.0', license: 'timescale' },
};

describe('splitSections', () => {
  it('splits at markers, starts unmarked text as always, and drops empty sections', () => {
    const sql = [
      'CREATE TABLE a (x int);',
      '-- nexural:requires timescaledb',
      "SELECT create_hypertable('a', by_range('x'));",
      '-- nexural:requires timescaledb-tsl',
      '-- nexural:requires always',
      'COMMENT ON TABLE a IS $$x$$;',
    ].join('\n');
    expect(splitSections(sql)).toEqual([
      { requires: 'always', line: 1, sql: 'CREATE TABLE a (x int);' },
      { requires: 'timescaledb', line: 2, sql: "SELECT create_hypertable('a', by_range('x'));" },
      { requires: 'always', line: 5, sql: 'COMMENT ON TABLE a IS $$x$$;' },
    ]);
  });

  it('names the line of an unknown requirement', () => {
    expect(splitSections('SELECT 1;\n-- nexural:requires timescale')).toBe(
      'line 2: unknown requirement "timescale"; known: always, timescaledb, timescaledb-tsl, timescaledb-apache, no-timescaledb',
    );
  });
});

describe('meetsRequirement', () => {
  it('runs licence sections only under their licence and no-timescaledb only without it', () => {
    const table = [plain, apache, tsl].map((capabilities) => describeCapabilities(capabilities));
    expect(table).toEqual([
      'no-timescaledb',
      'timescaledb, timescaledb-apache',
      'timescaledb, timescaledb-tsl',
    ]);
    expect(meetsRequirement(plain, 'always')).toBe(true);
  });
});
