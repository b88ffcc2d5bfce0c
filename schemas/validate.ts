import type { z } from 'zod';
import { NexuralError } from './errors.js';

/** Formats zod issues as `path: message` so a user sees which field is wrong. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(record)'}: ${issue.message}`)
    .join('; ');
}

/** Parses at the edge; throws NXR_SCHEMA_INVALID naming the first bad path. */
export function parseOrThrow<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  what: string,
): z.output<Schema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const first = result.error.issues[0];
  throw new NexuralError('NXR_SCHEMA_INVALID', `invalid ${what}: ${describeIssues(result.error)}`, {
    path: first?.path.map((part) => (typeof part === 'symbol' ? String(part) : part)) ?? [],
  });
}
