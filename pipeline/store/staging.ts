import type { StagedColumn, StagedValue, TableWrite } from './table-writes.js';

/** The rows as `unnest($1::text[], …) AS staged(…)` plus one array parameter per column. */
export function unnestSource<Row>(
  write: TableWrite<Row>,
  rows: readonly Row[],
): { source: string; params: StagedValue[][] } {
  const params = write.columns.map((column) => rows.map((row) => column.value(row)));
  const arrays = write.columns.map((column, index) => `$${index + 1}::${column.type}[]`).join(', ');
  const names = write.columns.map((column) => column.name).join(', ');
  return { source: `unnest(${arrays}) AS staged(${names})`, params };
}

export const stagingTableName = <Row>(write: TableWrite<Row>): string => `nexural_stage_${write.table}`;

/** A per-connection temporary table for COPY, emptied at every commit. */
export function stagingTableDdl<Row>(write: TableWrite<Row>): string {
  const columns = write.columns.map((column) => `${column.name} ${column.type}`).join(', ');
  return `CREATE TEMP TABLE IF NOT EXISTS ${stagingTableName(write)} (${columns}) ON COMMIT DELETE ROWS`;
}

// COPY text format: backslash escapes for the characters that delimit fields and rows.
const needsEscape = /[\\\t\n\r]/;
const escapes: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const escapeCopy = (text: string): string =>
  needsEscape.test(text) ? text.replace(/[\\\t\n\r]/g, (char) => escapes[char] ?? char) : text;

/** One column's value as a COPY text field. */
function fieldEncoder<Row>(column: StagedColumn<Row>): (row: Row) => string {
  if (column.nullable) {
    const encode = fieldEncoder({ ...column, nullable: undefined });
    return (row) => (column.value(row) === null ? '\\N' : encode(row));
  }
  const value = column.value;
  switch (column.type) {
    case 'bool':
      return (row) => (value(row) ? 't' : 'f');
    case 'int8':
    case 'int4':
    case 'float8':
    case 'timestamptz':
      return (row) => String(value(row));
    case 'text':
    case 'jsonb':
      return column.plain ? (row) => String(value(row)) : (row) => escapeCopy(String(value(row)));
  }
}

/** Rows as COPY text-format lines (tab-separated, newline-terminated), a chunk of rows at a time. */
export function* copyChunks<Row>(
  write: TableWrite<Row>,
  rows: readonly Row[],
  chunkRows = 5_000,
): Generator<string> {
  const encoders = write.columns.map(fieldEncoder);
  for (let start = 0; start < rows.length; start += chunkRows) {
    let text = '';
    const end = Math.min(rows.length, start + chunkRows);
    for (let index = start; index < end; index++) {
      const row = rows[index] as Row;
      let separator = '';
      for (const encode of encoders) {
        text += separator + encode(row);
        separator = '\t';
      }
      text += '\n';
    }
    yield text;
  }
}
