import { CronExpressionParser } from 'cron-parser';
import type { AlertEvent } from '../../schemas/alert-event.js';
import type { AutomationStep, TriggerEvent, Workflow } from '../../schemas/automation.js';
import type { SignalHistory } from '../../schemas/ports/signal-history.js';
import type { StoreReader } from '../../schemas/ports/store.js';
import { signalMatches, signalTriggerEvent } from './signal-trigger.js';
import { renderTemplate, stepApplies } from './template.js';

export interface PlannedStep {
  readonly name: string;
  readonly kind: AutomationStep['kind'];
  /** false = its `when` condition is false for this event: it would be skipped */
  readonly runs: boolean;
  /** where it would go and what it would carry (templates filled) */
  readonly target: string;
  readonly content: string | null;
}

export interface PlannedRun {
  readonly event: TriggerEvent;
  readonly steps: readonly PlannedStep[];
}

export type DryRunResult =
  | {
      readonly kind: 'planned';
      readonly from: number;
      readonly to: number;
      readonly runs: readonly PlannedRun[];
      /** true when more events matched than `limit` */
      readonly truncated: boolean;
    }
  | { readonly kind: 'unsupported'; readonly reason: string };

/** The trigger fields an alert event gives to templates and conditions. */
export function alertTriggerEvent(alert: Extract<AlertEvent, { kind: 'fired' }>): TriggerEvent {
  return {
    id: `alert.${alert.id}`,
    time: alert.time,
    fields: {
      ruleId: alert.ruleId,
      owner: alert.owner,
      venue: alert.venue,
      symbol: alert.symbol,
      interval: alert.interval,
      message: alert.message,
      price: alert.current,
    },
  };
}

/** Whether an alert starts this workflow: fired, the workflow owner's rule, and inside its filter. */
export function alertMatches(
  workflow: Workflow,
  alert: AlertEvent,
): alert is Extract<AlertEvent, { kind: 'fired' }> {
  const trigger = workflow.trigger;
  if (trigger.kind !== 'alert' || alert.kind !== 'fired' || alert.owner !== workflow.owner) return false;
  return (
    (trigger.ruleIds.length === 0 || trigger.ruleIds.includes(alert.ruleId)) &&
    (trigger.symbols.length === 0 || trigger.symbols.includes(alert.symbol)) &&
    (trigger.venues.length === 0 || trigger.venues.includes(alert.venue))
  );
}

function plan(workflow: Workflow, event: TriggerEvent): PlannedRun {
  return {
    event,
    steps: workflow.steps.map((step) => {
      const base = { name: step.name, kind: step.kind, runs: stepApplies(step.when, event) };
      switch (step.kind) {
        case 'webhook':
          return { ...base, target: `POST ${step.url} (signed)`, content: null };
        case 'http':
          return {
            ...base,
            target: `${step.method} ${step.url}`,
            content: step.body === undefined ? null : renderTemplate(step.body, event),
          };
        case 'discord':
          return {
            ...base,
            target: `discord channel ${step.channelId}`,
            content: renderTemplate(step.content, event),
          };
        case 'email':
          return {
            ...base,
            target: `mail to ${step.to}: ${renderTemplate(step.subject, event)}`,
            content: renderTemplate(step.text, event),
          };
        case 'backtest':
          return {
            ...base,
            target: `backtest ${step.strategy.name}`,
            content: `${renderTemplate(step.from, event)} → ${step.to === undefined ? 'now' : renderTemplate(step.to, event)}`,
          };
        case 'replay':
          return {
            ...base,
            target: `replay${step.symbols.length > 0 ? ` of ${step.symbols.join(', ')}` : ''}`,
            content: `${renderTemplate(step.from, event)} → ${step.to === undefined ? 'now' : renderTemplate(step.to, event)}`,
          };
        default:
          return { ...base, target: 'newsletter send', content: null };
      }
    }),
  };
}

/**
 * Every run the workflow would have made over [from, to) of the stored history, with what each step would
 * have sent — nothing is sent, enqueued or recorded. Alerts come from the store; a schedule from its cron;
 * strategy signals (not stored) from `signals`, the owner's strategy run again over the recorded trades.
 */
export async function dryRun(
  workflow: Workflow,
  reader: StoreReader,
  range: { readonly from: number; readonly to: number },
  limit = 500,
  signals: SignalHistory | null = null,
): Promise<DryRunResult> {
  const { trigger } = workflow;
  const runs: PlannedRun[] = [];
  if (trigger.kind === 'alert') {
    let cursor: string | null = null;
    do {
      const page = await reader.alertEvents({ owner: workflow.owner, ...range, limit: 1000, cursor });
      for (const alert of page.items) {
        if (alertMatches(workflow, alert)) runs.push(plan(workflow, alertTriggerEvent(alert)));
        if (runs.length > limit) break;
      }
      cursor = runs.length > limit ? null : page.nextCursor;
    } while (cursor !== null);
  } else if (trigger.kind === 'schedule') {
    const times = CronExpressionParser.parse(trigger.cron, {
      currentDate: new Date(range.from - 1),
      endDate: new Date(range.to),
      tz: trigger.timeZone,
    });
    while (times.hasNext() && runs.length <= limit) {
      const at = times.next().getTime();
      if (at >= range.to) break;
      runs.push(
        plan(workflow, {
          id: `schedule.dry.${at}`,
          time: at,
          fields: { scheduledAt: new Date(at).toISOString() },
        }),
      );
    }
  } else if (trigger.kind === 'signal' && signals !== null) {
    for (const signal of await signals.signals(workflow.owner, trigger.strategy, range)) {
      if (signal.barCloseTime < range.from || signal.barCloseTime >= range.to) continue;
      if (signalMatches(workflow, signal)) runs.push(plan(workflow, signalTriggerEvent(signal)));
      if (runs.length > limit) break;
    }
  } else {
    return {
      kind: 'unsupported',
      reason:
        trigger.kind === 'webhook'
          ? 'inbound webhooks are not in the stored streams: nothing to replay'
          : 'strategy signals are not stored and no signal history is set up in this process',
    };
  }
  return { kind: 'planned', ...range, runs: runs.slice(0, limit), truncated: runs.length > limit };
}
