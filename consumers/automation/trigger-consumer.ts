import { z } from 'zod';
import type { TriggerEvent, Workflow } from '../../schemas/automation.js';
import type { AutomationRepository } from '../../schemas/ports/automations.js';
import { defineConsumer } from '../define-consumer.js';
import { alertMatches, alertTriggerEvent } from './dry-run.js';
import type { AutomationRunner } from './runner.js';
import { signalMatches, signalTriggerEvent } from './signal-trigger.js';

export { signalMatches, signalTriggerEvent };

/** the consumer's name, so its group is `nexural.consumer.automation-triggers` */
export const automationTriggersName = 'automation-triggers';

/**
 * The live triggers: every fired alert of the fan-out (resumed from the saved delivery id after a restart) and
 * every strategy signal, matched against the enabled workflows of that trigger kind; a match starts a run. The
 * input is at-least-once; the run is once per workflow and event id (`repository.startRun`), so a redelivery
 * after a crash starts nothing new. Its own group: `nexural.consumer.automation-triggers`.
 */
export function automationTriggerConsumer(deps: {
  readonly repository: Pick<AutomationRepository, 'withTrigger'>;
  readonly runner: Pick<AutomationRunner, 'trigger'>;
}) {
  return defineConsumer({
    name: automationTriggersName,
    description: 'starts automation runs on fired alerts (live fan-out) and strategy signals',
    inputs: ['alertsLive', 'strategySignals'],
    configSchema: z.object({}),
    create: ({ metrics }) => ({
      async handle(batch) {
        const byKind = new Map<Workflow['trigger']['kind'], Promise<readonly Workflow[]>>();
        const workflows = (kind: Workflow['trigger']['kind']) => {
          let found = byKind.get(kind);
          if (!found) {
            found = deps.repository.withTrigger(kind);
            byKind.set(kind, found);
          }
          return found;
        };
        for (const record of batch.records) {
          const matches: { workflow: Workflow; event: TriggerEvent }[] = [];
          if (record.input === 'alertsLive') {
            const alert = record.value;
            if (alert.kind !== 'fired') continue;
            for (const workflow of await workflows('alert'))
              if (alertMatches(workflow, alert)) matches.push({ workflow, event: alertTriggerEvent(alert) });
          } else {
            for (const workflow of await workflows('signal'))
              if (signalMatches(workflow, record.value))
                matches.push({ workflow, event: signalTriggerEvent(record.value) });
          }
          for (const { workflow, event } of matches) {
            const { created } = await deps.runner.trigger(workflow, event);
            metrics.count(created ? 'run_started' : 'run_duplicate');
          }
        }
      },
      async close() {},
    }),
  });
}
