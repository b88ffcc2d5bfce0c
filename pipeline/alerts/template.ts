import type { AlertRule } from '../../schemas/alert-rule.js';
import { NexuralError } from '../../schemas/errors.js';
import { operatorLabel, thresholdLabel } from './operators.js';
import type { SeriesPoint } from './series-point.js';

/** What a firing knows when its message is rendered. */
export interface TemplateContext {
  readonly rule: AlertRule;
  readonly point: SeriesPoint;
  readonly previous: number | null;
}

type Field = (context: TemplateContext) => string;

const fields = {
  symbol: ({ point }) => point.symbol,
  venue: ({ point }) => point.venue,
  interval: ({ point }) => point.interval,
  value: ({ point }) => String(point.value),
  previous: ({ previous }) => (previous === null ? 'none' : String(previous)),
  close: ({ point }) => String(point.bar.close),
  open: ({ point }) => String(point.bar.open),
  high: ({ point }) => String(point.bar.high),
  low: ({ point }) => String(point.bar.low),
  volume: ({ point }) => String(point.bar.volume),
  time: ({ point }) => new Date(point.time).toISOString(),
  operator: ({ rule }) => operatorLabel(rule.condition.operator),
  threshold: ({ rule }) => thresholdLabel(rule.condition),
  rule: ({ rule }) => rule.id,
  owner: ({ rule }) => rule.owner,
} satisfies Record<string, Field>;

export type Placeholder = keyof typeof fields;
export const TEMPLATE_PLACEHOLDERS = Object.keys(fields) as readonly Placeholder[];

const isPlaceholder = (name: string): name is Placeholder => Object.hasOwn(fields, name);

/** A message template parsed once: literal text and fields, in order. */
export type CompiledTemplate = (context: TemplateContext) => string;

const placeholderPattern = /\{\{\s*([^{}]*?)\s*\}\}/g;

/**
 * Compiles `{{symbol}} crossed {{threshold}}` into a renderer. Numbers render as JavaScript prints them
 * (exact, no rounding), `{{time}}` as ISO 8601 UTC, `{{previous}}` as `none` when there is no previous value.
 * An unknown placeholder is refused here (so a typo like `{{prise}}` is caught when the rule is saved, not
 * discovered in a delivered alert): throws NXR_RULE_INVALID naming it and the known ones.
 */
export function compileTemplate(template: string): CompiledTemplate {
  const literals: string[] = [];
  const slots: Field[] = [];
  let last = 0;
  for (const match of template.matchAll(placeholderPattern)) {
    const name = match[1] ?? '';
    if (!isPlaceholder(name)) {
      throw new NexuralError(
        'NXR_RULE_INVALID',
        `unknown placeholder "${match[0]}" in message; known: ${TEMPLATE_PLACEHOLDERS.map((known) => `{{${known}}}`).join(' ')}`,
        { path: ['message'], placeholder: name },
      );
    }
    literals.push(template.slice(last, match.index));
    slots.push(fields[name]);
    last = match.index + match[0].length;
  }
  const tail = template.slice(last);
  if (slots.length === 0) return () => tail;
  return (context) => {
    let text = '';
    for (let index = 0; index < slots.length; index++) {
      text += literals[index];
      text += (slots[index] as Field)(context);
    }
    return text + tail;
  };
}
