import type { TriggerEvent, Workflow } from '../../schemas/automation.js';
import type { StrategySignal } from '../../schemas/strategy-signal.js';

/** buy = opening a long or closing a short; sell = the opposite. */
const actionOf = (signal: StrategySignal): 'buy' | 'sell' =>
  (signal.kind === 'entry') === (signal.side === 'long') ? 'buy' : 'sell';

/** Whether a strategy signal starts this workflow: the owner's strategy (by id or name), symbol and side. */
export function signalMatches(workflow: Workflow, signal: StrategySignal): boolean {
  const trigger = workflow.trigger;
  if (trigger.kind !== 'signal' || signal.owner !== workflow.owner) return false;
  return (
    (trigger.strategy === undefined ||
      trigger.strategy === signal.strategyId ||
      trigger.strategy === signal.name) &&
    (trigger.symbols.length === 0 || trigger.symbols.includes(signal.symbol)) &&
    (trigger.side === 'any' || trigger.side === actionOf(signal))
  );
}

/** The trigger fields a strategy signal gives to templates and conditions. */
export function signalTriggerEvent(signal: StrategySignal): TriggerEvent {
  return {
    id: `signal.${signal.id}`,
    time: signal.barCloseTime,
    fields: {
      strategyId: signal.strategyId,
      strategy: signal.name,
      owner: signal.owner,
      venue: signal.venue,
      symbol: signal.symbol,
      interval: signal.interval,
      kind: signal.kind,
      side: signal.side,
      action: actionOf(signal),
    },
  };
}
