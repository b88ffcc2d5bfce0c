import type { AlertRule } from '../../schemas/alert-rule.js';
import { NexuralError } from '../../schemas/errors.js';
import { operatorLabel, thresholdLabel } from './operators.js';
import type { SeriesPoint } from './series-point.js';

/** Values of a rule's series thresholds at a firing (NaN where the rule has no such series threshold). */
export interface ThresholdValues {
  readonly value: number;
  readonly lower: number;
  readonly upper: number;
}

/** What a firing knows when its message is rendered. */
export interface TemplateContext {
  readonly point: SeriesPoint;
  readonly previous: number | null;
  /** set when the rule has a series threshold */
  readonly thresholds?: ThresholdValues | null;
}

type Field = (context: TemplateContext) => string;
type RuleField = (rule: AlertRule) => string;

/** Placeholders that depend on the firing. */
const pointFields = {
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
} satisfies Record<string, Field>;

type Edge = 'value' | 'lower' | 'upper';

const edgeValue = (edge: Edge): Field => {
  const read = ({ thresholds }: TemplateContext): string =>
    String(thresholds ? thresholds[edge] : Number.NaN);
  return read;
};

/**
 * `{{threshold}}`, `{{lower}}`, `{{upper}}`: text fixed when the threshold is a number, the series' value at
 * the firing when it is a series. `{{lower}}`/`{{upper}}` are for channel operators only.
 */
function thresholdField(rule: AlertRule, name: 'threshold' | 'lower' | 'upper'): string | Field {
  const condition = rule.condition;
  if (name === 'threshold') {
    if ('value' in condition)
      return typeof condition.value === 'number' ? String(condition.value) : edgeValue('value');
    if (!('lower' in condition)) return thresholdLabel(condition);
    if (typeof condition.lower === 'number' && typeof condition.upper === 'number')
      return thresholdLabel(condition);
    const lower = thresholdField(rule, 'lower');
    const upper = thresholdField(rule, 'upper');
    return (context) =>
      `${typeof lower === 'string' ? lower : lower(context)}..${typeof upper === 'string' ? upper : upper(context)}`;
  }
  if (!('lower' in condition)) {
    throw new NexuralError(
      'NXR_RULE_INVALID',
      `placeholder {{${name}}} is for channel operators; ${condition.operator} has {{threshold}}`,
      { path: ['message'], placeholder: name },
    );
  }
  const edge = condition[name];
  return typeof edge === 'number' ? String(edge) : edgeValue(name);
}

const thresholdFields = ['threshold', 'lower', 'upper'] as const;
const isThresholdField = (name: string): name is (typeof thresholdFields)[number] =>
  (thresholdFields as readonly string[]).includes(name);

/** Placeholders fixed by the rule: written into the compiled text once. */
const ruleFields = {
  operator: (rule) => operatorLabel(rule.condition.operator),
  rule: (rule) => rule.id,
  owner: (rule) => rule.owner,
} satisfies Record<string, RuleField>;

export type Placeholder =
  | keyof typeof pointFields
  | keyof typeof ruleFields
  | (typeof thresholdFields)[number];
export const TEMPLATE_PLACEHOLDERS = [
  ...Object.keys(pointFields),
  ...Object.keys(ruleFields),
  ...thresholdFields,
] as readonly Placeholder[];

const isPointField = (name: string): name is keyof typeof pointFields => Object.hasOwn(pointFields, name);
const isRuleField = (name: string): name is keyof typeof ruleFields => Object.hasOwn(ruleFields, name);

/** A message template parsed once: literal text and fields, in order. */
export type CompiledTemplate = (context: TemplateContext) => string;

const placeholderPattern = /\{\{\s*([^{}]*?)\s*\}\}/g;

/**
 * Compiles a rule's message, e.g. `{{symbol}} crossed {{threshold}}`, into a renderer: the rule's own
 * placeholders (operator, threshold, rule, owner) become text now, the others are filled per firing.
 * Numbers render as JavaScript prints them (exact, no rounding), `{{time}}` as ISO 8601 UTC, `{{previous}}`
 * as `none` when there is no previous value. An unknown placeholder is refused here (so a typo like
 * `{{prise}}` is caught when the rule is saved, not discovered in a delivered alert): throws
 * NXR_RULE_INVALID naming it and the known ones.
 */
export function compileTemplate(rule: AlertRule): CompiledTemplate {
  const template = rule.message;
  const literals: string[] = [];
  const slots: Field[] = [];
  let text = '';
  let last = 0;
  for (const match of template.matchAll(placeholderPattern)) {
    const name = match[1] ?? '';
    text += template.slice(last, match.index);
    last = match.index + match[0].length;
    const fixedOrField = isThresholdField(name) ? thresholdField(rule, name) : null;
    if (isRuleField(name)) {
      text += ruleFields[name](rule);
    } else if (typeof fixedOrField === 'string') {
      text += fixedOrField;
    } else if (fixedOrField) {
      literals.push(text);
      slots.push(fixedOrField);
      text = '';
    } else if (isPointField(name)) {
      literals.push(text);
      slots.push(pointFields[name]);
      text = '';
    } else {
      throw new NexuralError(
        'NXR_RULE_INVALID',
        `unknown placeholder "${match[0]}" in message; known: ${TEMPLATE_PLACEHOLDERS.map((known) => `{{${known}}}`).join(' ')}`,
        { path: ['message'], placeholder: name },
      );
    }
  }
  const tail = text + template.slice(last);
  if (slots.length === 0) return () => tail;
  return (context) => {
    let rendered = '';
    for (let index = 0; index < slots.length; index++) {
      rendered += literals[index];
      rendered += (slots[index] as Field)(context);
    }
    return rendered + tail;
  };
}
