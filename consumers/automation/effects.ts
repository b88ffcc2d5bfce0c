import type { AutomationStep, TriggerEvent, Workflow } from '../../schemas/automation.js';
import { NexuralError } from '../../schemas/errors.js';
import type { EffectCall } from '../../schemas/ports/effect-ledger.js';
import type { ResearchRunner } from '../../schemas/ports/research-runner.js';
import type { MailSender } from '../newsletter/deliver.js';
import { renderTemplate } from './template.js';
import { signWebhook } from './webhook-signing.js';

/** What the steps reach the outside world through; null = that step kind is not set up in this process. */
export interface StepPorts {
  /** Discord create-message (discord.js REST); `nonce` dedupes a repeat */
  readonly discord: ((channelId: string, content: string, nonce: string) => Promise<void>) | null;
  readonly mailer: MailSender | null;
  readonly mailFrom: string;
  readonly newsletter: (() => Promise<void>) | null;
  /** backtest and replay steps */
  readonly research?: ResearchRunner | null;
  readonly now: () => number;
  readonly timeoutMs?: number;
}

export interface StepContext {
  readonly workflow: Workflow;
  readonly runId: string;
  readonly event: TriggerEvent;
  readonly call: EffectCall;
}

/** The HTTP status of the call, null for steps that are not HTTP; `response`: where a run's output went. */
export type StepResult = {
  readonly code: number | null;
  readonly response?: Readonly<Record<string, string | number | null>>;
};

const unavailable = (kind: string) =>
  new NexuralError('NXR_STEP_REJECTED', `${kind} steps are not set up in this process`, { kind });

/** 408, 429 and 5xx are worth retrying; any other 4xx is refused for good. */
function checkStatus(status: number, url: string): void {
  if (status < 400) return;
  const retryable = status === 408 || status === 429 || status >= 500;
  throw new NexuralError(retryable ? 'NXR_STEP_FAILED' : 'NXR_STEP_REJECTED', `${url} answered ${status}`, {
    status,
  });
}

async function send(url: string, init: RequestInit, timeoutMs: number): Promise<number> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new NexuralError('NXR_STEP_FAILED', `${url}: ${(error as Error).message}`, {}, { cause: error });
  }
  await response.arrayBuffer();
  checkStatus(response.status, url);
  return response.status;
}

/**
 * A research run under the step's time limit: at `timeoutMs` its signal aborts (the run stops between ticks)
 * and the step fails with NXR_TIMEOUT, retried by the workflow's retry policy like any retryable failure.
 */
async function withTimeLimit<T>(kind: string, timeoutMs: number, run: (signal: AbortSignal) => Promise<T>) {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    return await run(signal);
  } catch (error) {
    if (!signal.aborted) throw error;
    throw new NexuralError(
      'NXR_TIMEOUT',
      `${kind} step did not finish within its timeoutMs (${timeoutMs} ms)`,
      { kind, timeoutMs },
      { cause: error },
    );
  }
}

/** Runs one step once. The idempotency key is the webhook-id / nonce / Message-ID, so a repeat can be deduped. */
export async function runStep(
  step: AutomationStep,
  context: StepContext,
  ports: StepPorts,
): Promise<StepResult> {
  const { event, call, workflow } = context;
  const timeoutMs = ports.timeoutMs ?? 10_000;
  switch (step.kind) {
    case 'webhook': {
      const body = JSON.stringify({
        type: 'automation.step',
        timestamp: new Date(ports.now()).toISOString(),
        data: { workflowId: workflow.id, runId: context.runId, step: step.name, event },
      });
      const headers = signWebhook(
        step.secret ?? workflow.secret,
        call.idempotencyKey,
        Math.floor(ports.now() / 1000),
        body,
      );
      const code = await send(
        step.url,
        { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body },
        timeoutMs,
      );
      return { code };
    }
    case 'http': {
      const code = await send(
        step.url,
        {
          method: step.method,
          headers: { 'idempotency-key': call.idempotencyKey, ...step.headers },
          ...(step.body === undefined || step.method === 'GET'
            ? {}
            : { body: renderTemplate(step.body, event) }),
        },
        timeoutMs,
      );
      return { code };
    }
    case 'discord': {
      if (!ports.discord) throw unavailable('discord');
      await ports.discord(
        step.channelId,
        renderTemplate(step.content, event).slice(0, 2000),
        call.idempotencyKey.slice(-25),
      );
      return { code: null };
    }
    case 'email': {
      if (!ports.mailer) throw unavailable('email');
      await ports.mailer.sendMail({
        from: ports.mailFrom,
        to: step.to,
        subject: renderTemplate(step.subject, event),
        text: renderTemplate(step.text, event),
        messageId: `<${call.idempotencyKey}@nexural.automation>`,
      });
      return { code: null };
    }
    case 'newsletter': {
      if (!ports.newsletter) throw unavailable('newsletter');
      await ports.newsletter();
      return { code: null };
    }
    case 'backtest': {
      const research = ports.research;
      if (!research) throw unavailable('backtest');
      const to = step.to === undefined ? undefined : renderTemplate(step.to, event);
      const response = await withTimeLimit('backtest', step.timeoutMs, (signal) =>
        research.backtest({
          key: call.idempotencyKey,
          strategy: step.strategy,
          from: renderTemplate(step.from, event),
          ...(to === undefined ? {} : { to }),
          signal,
        }),
      );
      return { code: null, response };
    }
    case 'replay': {
      const research = ports.research;
      if (!research) throw unavailable('replay');
      const to = step.to === undefined ? undefined : renderTemplate(step.to, event);
      const response = await withTimeLimit('replay', step.timeoutMs, (signal) =>
        research.replay({
          key: call.idempotencyKey,
          from: renderTemplate(step.from, event),
          ...(to === undefined ? {} : { to }),
          symbols: step.symbols,
          signal,
        }),
      );
      return { code: null, response };
    }
  }
}
