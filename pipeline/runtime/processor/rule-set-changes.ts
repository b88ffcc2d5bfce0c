import { deserialize, serialize } from 'node:v8';
import { z } from 'zod';
import { NexuralError } from '../../../schemas/errors.js';
import type { TopicPartition } from '../../../schemas/ports/stream-log.js';
import { describeIssues } from '../../../schemas/validate.js';

/*
 * A partition's rule set as a base (a whole rule set record, checkpoint-chunks.ts) plus its changes since:
 * the rules added or replaced and the ids removed. One rule edit then writes the rules changed since the
 * base, not the whole set again (1.2 MB for 3,000 rules, per partition). The changes are cumulative, so a
 * checkpoint needs the base and the latest changes record only; they live under a key of their own, so
 * compaction keeps both.
 *
 * The engine's order matters (a checkpoint's rule states refer to positions), and a Map keeps it: a
 * replaced rule stays in place, a new one goes last. Changes carry no order of their own; when the current
 * order is not the base's with removals, replacements in place and additions last (a rule removed and
 * added again), there are no changes to write and the writer writes a new base.
 */

export const ruleChangesKey = ({ topic, partition }: TopicPartition): string =>
  `${topic}:${partition}:rule-changes`;

export interface RuleChanges {
  /** the id of the base rule set these apply to */
  readonly base: string;
  /** rules added or replaced, in the engine's order */
  readonly upserts: readonly unknown[];
  readonly removed: readonly string[];
}

const ruleChangesSchema = z.object({
  version: z.literal(1),
  base: z.string().min(1),
  upserts: z.array(z.unknown()),
  removed: z.array(z.string()),
});

const idOf = (rule: unknown): string | null => {
  if (typeof rule !== 'object' || rule === null || !('id' in rule)) return null;
  return typeof rule.id === 'string' ? rule.id : null;
};

/** The ids of `rules` by position, or null if one has none or two share one. */
function idsOf(rules: readonly unknown[]): string[] | null {
  const ids: string[] = [];
  const seen = new Set<string>();
  for (const rule of rules) {
    const id = idOf(rule);
    if (id === null || seen.has(id)) return null;
    seen.add(id);
    ids.push(id);
  }
  return ids;
}

/**
 * What turns `base` into `current` (rules compared by reference: the engine keeps an unchanged rule's
 * object), or null when `current`'s order does not follow from `base` (see above).
 */
export function diffRules(
  base: readonly unknown[],
  current: readonly unknown[],
): Omit<RuleChanges, 'base'> | null {
  const baseIds = idsOf(base);
  const currentIds = idsOf(current);
  if (baseIds === null || currentIds === null) return null;
  const currentAt = new Map(currentIds.map((id, index) => [id, index]));
  const removed: string[] = [];
  const upserts: unknown[] = [];
  let kept = 0;
  for (const [index, id] of baseIds.entries()) {
    if (!currentAt.has(id)) {
      removed.push(id);
      continue;
    }
    if (currentIds[kept] !== id) return null;
    if (current[kept] !== base[index]) upserts.push(current[kept]);
    kept++;
  }
  for (let index = kept; index < current.length; index++) upserts.push(current[index]);
  return { upserts, removed };
}

/** `base` with `changes` applied, in the engine's order. */
export function applyRuleChanges(base: readonly unknown[], changes: RuleChanges): unknown[] {
  const removed = new Set(changes.removed);
  const upserts = new Map(changes.upserts.map((rule) => [idOf(rule), rule]));
  const rules: unknown[] = [];
  for (const rule of base) {
    const id = idOf(rule);
    if (id !== null && removed.has(id)) continue;
    const replaced = upserts.get(id);
    if (replaced === undefined) rules.push(rule);
    else {
      rules.push(replaced);
      upserts.delete(id);
    }
  }
  for (const added of upserts.values()) rules.push(added);
  return rules;
}

export const encodeRuleChanges = (changes: RuleChanges): Buffer => serialize({ version: 1, ...changes });

export function decodeRuleChanges(bytes: Buffer, where: string): RuleChanges {
  let value: unknown;
  try {
    value = deserialize(bytes);
  } catch (error) {
    throw new NexuralError(
      'NXR_PARSE_FAILED',
      `rule changes ${where} are not v8-serialised: ${String(error)}`,
    );
  }
  const parsed = ruleChangesSchema.safeParse(value);
  if (!parsed.success) {
    throw new NexuralError('NXR_SCHEMA_INVALID', `rule changes ${where}: ${describeIssues(parsed.error)}`);
  }
  const { version: _version, ...changes } = parsed.data;
  return changes;
}
