import { NexuralError } from '../../schemas/errors.js';
import type { RangeQuery } from '../../schemas/ports/store.js';

export const DEFAULT_PAGE_LIMIT = 1_000;
export const MAX_PAGE_LIMIT = 10_000;

/** A page position: the sort key of the last item returned (opaque to clients). */
export function encodeCursor(parts: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

/** Decodes a cursor made by `encodeCursor` with the same number of parts; a bad one is NXR_BAD_VALUE. */
export function decodeCursor<const Shape extends readonly ('string' | 'number')[]>(
  cursor: string,
  shape: Shape,
): { -readonly [Index in keyof Shape]: Shape[Index] extends 'number' ? number : string } {
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parts = undefined;
  }
  const valid =
    Array.isArray(parts) &&
    parts.length === shape.length &&
    shape.every((type, index) => typeof parts[index] === type);
  if (!valid) {
    throw new NexuralError('NXR_BAD_VALUE', `cursor "${cursor}" is not a cursor this query returned`, {
      path: ['cursor'],
    });
  }
  return parts as { -readonly [Index in keyof Shape]: Shape[Index] extends 'number' ? number : string };
}

/**
 * A cursor after a bar (or a value on one) whose `seq` is not 0 ends with a `"seq:N"` part; a bar with seq 0
 * keeps the plain form, so cursors from before activity bars had a seq still continue where they were.
 */
export function cursorPartsWithSeq(
  parts: readonly (string | number)[],
  seq: number | undefined,
): (string | number)[] {
  return seq ? [...parts, `seq:${seq}`] : [...parts];
}

/** The parts `cursorPartsWithSeq` made, and the seq (0 when absent); anything else is NXR_BAD_VALUE. */
export function decodeCursorWithSeq<const Shape extends readonly ('string' | 'number')[]>(
  cursor: string,
  shape: Shape,
): { readonly parts: ReturnType<typeof decodeCursor<Shape>>; readonly seq: number } {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    raw = undefined;
  }
  const last = Array.isArray(raw) && raw.length === shape.length + 1 ? raw.at(-1) : undefined;
  const seqPart = typeof last === 'string' ? /^seq:([1-9]\d{0,8})$/.exec(last) : null;
  if (!seqPart || !Array.isArray(raw)) return { parts: decodeCursor(cursor, shape), seq: 0 };
  return { parts: decodeCursor(encodeCursor(raw.slice(0, -1)), shape), seq: Number(seqPart[1]) };
}

/** Checks a range query's bounds; returns the page size to use. */
export function checkRange(query: RangeQuery): number {
  const bad = (field: string, why: string): never => {
    throw new NexuralError('NXR_BAD_VALUE', `${field}: ${why}`, { path: [field] });
  };
  if (!Number.isSafeInteger(query.from)) bad('from', `must be ms since epoch, got ${query.from}`);
  if (!Number.isSafeInteger(query.to)) bad('to', `must be ms since epoch, got ${query.to}`);
  if (query.to < query.from) bad('to', `must not be before from (${query.from}), got ${query.to}`);
  const limit = query.limit ?? DEFAULT_PAGE_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
    bad('limit', `must be an integer from 1 to ${MAX_PAGE_LIMIT}, got ${limit}`);
  }
  return limit;
}

/** ms since epoch as a timestamptz parameter (exact: ms fit a JavaScript Date). */
export const timestampParam = (ms: number): string => new Date(ms).toISOString();
