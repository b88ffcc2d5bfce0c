// Test support only (reads files): never imported by engine code.
import { readFileSync } from 'node:fs';
import type { BarInput } from '../indicator.js';

const dataRoot = new URL('../../../../shared/data/', import.meta.url);

/** Open time in ms from epoch-ms digits or a UTC date-time such as `2023-03-01 00:00:00+00:00`. */
function parseTime(text: string): number {
  if (/^\d+$/.test(text)) return Number(text);
  const iso = text.replace(' ', 'T');
  return Date.parse(/(Z|[+-]\d\d:?\d\d)$/.test(iso) ? iso : `${iso}Z`);
}

/** Bars `firstRow … firstRow + rows − 1` (data rows, from 0) of a CSV under ../shared/data. */
export function readRealBars(file: string, firstRow = 0, rows = Number.POSITIVE_INFINITY): BarInput[] {
  const lines = readFileSync(new URL(file, dataRoot), 'utf8').trim().split('\n');
  const header = (lines[0] ?? '').split(',');
  const column = (...names: string[]) => {
    const index = header.findIndex((name) => names.includes(name));
    if (index < 0) throw new Error(`${file}: none of the columns ${names.join('/')}`);
    return index;
  };
  const [time, open, high, low, close, volume] = [
    column('open_time', 'timestamp'),
    column('open'),
    column('high'),
    column('low'),
    column('close'),
    column('volume'),
  ];
  return lines.slice(1 + firstRow, 1 + firstRow + rows).map((line) => {
    const cells = line.split(',');
    const number = (index: number) => Number(cells[index]);
    return {
      openTime: parseTime(cells[time] ?? ''),
      open: number(open),
      high: number(high),
      low: number(low),
      close: number(close),
      volume: number(volume),
    };
  });
}
