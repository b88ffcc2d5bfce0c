import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { automationInputSchema, type TriggerEvent, type Workflow } from '../../schemas/automation.js';
import { NexuralError } from '../../schemas/errors.js';
import type { AutomationRepository, AutomationService } from '../../schemas/ports/automations.js';
import type { SignalHistory } from '../../schemas/ports/signal-history.js';
import type { StoreReader } from '../../schemas/ports/store.js';
import { dryRun } from './dry-run.js';
import type { AutomationRunner } from './runner.js';
import { newWebhookSecret, verifyWebhook } from './webhook-signing.js';

const sameText = (a: string, b: string) => {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
};

/** Flat scalar fields of a JSON body for templates (`{{trigger.ticker}}`); nested values are left out. */
function fieldsOf(body: unknown): TriggerEvent['fields'] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return {};
  return Object.fromEntries(
    Object.entries(body).filter(
      ([key, value]) => key !== 'token' && ['string', 'number', 'boolean'].includes(typeof value),
    ),
  ) as TriggerEvent['fields'];
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
};

/** The automation suite behind the API: validated workflows per owner, runs, dry-runs and inbound hooks. */
export function automationService(deps: {
  readonly repository: AutomationRepository;
  readonly runner: AutomationRunner;
  readonly reader: StoreReader;
  /** strategy signals over a past range for the dry-run of signal triggers; without it those are unsupported */
  readonly signals?: SignalHistory;
  readonly now?: () => number;
}): AutomationService {
  const { repository, runner } = deps;
  const now = deps.now ?? Date.now;
  const owned = async (owner: string, id: string): Promise<Workflow> => {
    const workflow = await repository.get(id);
    if (!workflow || workflow.owner !== owner) throw new NexuralError('NXR_NOT_FOUND', `no automation ${id}`);
    return workflow;
  };
  return {
    async create(owner, input) {
      const parsed = automationInputSchema.safeParse(input);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const path = issue?.path.join('.') ?? '';
        throw new NexuralError('NXR_BAD_VALUE', `${path || '(body)'}: ${issue?.message ?? 'invalid'}`, {
          path,
        });
      }
      const workflow: Workflow = {
        ...parsed.data,
        id: `wf-${randomUUID()}`,
        owner,
        secret: newWebhookSecret(),
        createdAt: now(),
      };
      await repository.create(workflow);
      await runner.syncSchedule(workflow);
      return workflow;
    },
    list: (owner) => repository.list(owner),
    async remove(owner, id) {
      const workflow = await owned(owner, id);
      await runner.syncSchedule({ ...workflow, enabled: false });
      return repository.remove(owner, id);
    },
    async runs(owner, workflowId, limit) {
      await owned(owner, workflowId);
      return repository.runs(owner, workflowId, limit);
    },
    deadLetters: (owner, limit) => repository.deadRuns(owner, limit),
    retry: (owner, runId) => runner.retry(owner, runId),
    async dryRun(owner, workflowId, range) {
      return dryRun(await owned(owner, workflowId), deps.reader, range, 500, deps.signals ?? null);
    },
    async receiveHook(workflowId, headers, rawBody) {
      const workflow = await repository.get(workflowId);
      if (workflow?.trigger.kind !== 'webhook' || !workflow.enabled) return { kind: 'unknown' };
      const body = parseJson(rawBody);
      let eventId: string;
      if (workflow.trigger.auth === 'signature') {
        const verdict = verifyWebhook(workflow.secret, headers, rawBody, now());
        if (!verdict.ok) return { kind: 'rejected', reason: verdict.reason };
        eventId = `hook.${String(headers['webhook-id'])}`;
      } else {
        const token = (body as { token?: unknown } | null)?.token;
        if (typeof token !== 'string' || !sameText(token, workflow.secret))
          return { kind: 'rejected', reason: 'the token in the body is missing or wrong' };
        // senders that cannot sign cannot name a delivery either: the body is the event
        eventId = `hook.${createHash('sha256').update(rawBody).digest('hex').slice(0, 32)}`;
      }
      const { run, created } = await runner.trigger(workflow, {
        id: eventId,
        time: now(),
        fields: fieldsOf(body),
      });
      return { kind: 'accepted', runId: run.id, duplicate: !created };
    },
  };
}
