import type { z } from 'zod';
import { NexuralError } from '../schemas/errors.js';

const flagOf = (key: PropertyKey) =>
  `--${String(key).replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;

/**
 * Parses a command's options; a bad one throws NXR_CONFIG_INVALID naming the flag as typed on the command
 * line (`--max-ticks`, not `maxTicks`) and the value it was given.
 */
export function parseCommandOptions<Schema extends z.ZodType>(
  schema: Schema,
  options: unknown,
): z.output<Schema> {
  const parsed = schema.safeParse(options);
  if (parsed.success) return parsed.data;
  const given = (options ?? {}) as Record<PropertyKey, unknown>;
  const problems = parsed.error.issues.map((issue) => {
    const key = issue.path[0];
    if (key === undefined) return issue.message;
    const value = given[key];
    return `${flagOf(key)}${value === undefined ? '' : ` ${JSON.stringify(value)}`}: ${issue.message}`;
  });
  throw new NexuralError('NXR_CONFIG_INVALID', problems.join('; '), { problems });
}
