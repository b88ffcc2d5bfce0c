import type { DatabaseCapabilities } from '../../schemas/ports/store.js';

/**
 * What a migration section needs. A section starts at a line `-- nexural:requires <requirement>` and runs
 * to the next such line; lines before the first marker, and after `-- nexural:requires always`, always run.
 */
export const sectionRequirements = [
  'always',
  'timescaledb',
  'timescaledb-tsl',
  'timescaledb-apache',
  'no-timescaledb',
] as const;

export type SectionRequirement = (typeof sectionRequirements)[number];

export interface MigrationSection {
  readonly requires: SectionRequirement;
  /** 1-based line of the marker (1 for the unmarked start of the file) */
  readonly line: number;
  readonly sql: string;
}

const markerPattern = /^\s*--\s*nexural:requires\s+(\S+)\s*$/;

/** Splits a migration into sections; returns an error message naming the line for an unknown requirement. */
export function splitSections(sql: string): readonly MigrationSection[] | string {
  const sections: MigrationSection[] = [];
  let current: { requires: SectionRequirement; line: number; lines: string[] } = {
    requires: 'always',
    line: 1,
    lines: [],
  };
  const lines = sql.split('\n');
  for (const [index, text] of lines.entries()) {
    const marker = markerPattern.exec(text);
    if (!marker) {
      current.lines.push(text);
      continue;
    }
    const requirement = marker[1] ?? '';
    if (!isRequirement(requirement)) {
      return `line ${index + 1}: unknown requirement "${requirement}"; known: ${sectionRequirements.join(', ')}`;
    }
    sections.push({ requires: current.requires, line: current.line, sql: current.lines.join('\n') });
    current = { requires: requirement, line: index + 1, lines: [] };
  }
  sections.push({ requires: current.requires, line: current.line, sql: current.lines.join('\n') });
  return sections.filter((section) => section.sql.trim() !== '');
}

function isRequirement(value: string): value is SectionRequirement {
  return (sectionRequirements as readonly string[]).includes(value);
}

/** Whether a database with these capabilities runs a section. */
export function meetsRequirement(capabilities: DatabaseCapabilities, requires: SectionRequirement): boolean {
  const timescale = capabilities.timescaledb;
  switch (requires) {
    case 'always':
      return true;
    case 'timescaledb':
      return timescale !== null;
    case 'timescaledb-tsl':
      return timescale?.license === 'timescale';
    case 'timescaledb-apache':
      return timescale?.license === 'apache';
    case 'no-timescaledb':
      return timescale === null;
  }
}

/** The capability set as section names, for reports: e.g. `timescaledb, timescaledb-apache`. */
export function describeCapabilities(capabilities: DatabaseCapabilities): string {
  return sectionRequirements
    .filter((requirement) => requirement !== 'always' && meetsRequirement(capabilities, requirement))
    .join(', ');
}
