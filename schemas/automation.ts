import { z } from 'zod';
import { symbolSchema, venueSchema } from './market.js';
import { strategySchema } from './strategy.js';

/** `{{trigger.symbol}}`-style fields are filled from the trigger event when a step runs. */
const template = z.string().min(1).max(4000);
const httpsOrLoopback = z.url({ protocol: /^https?$/ }).max(2000);

export const automationTriggerSchema = z
  .discriminatedUnion('kind', [
    z.object({
      kind: z.literal('alert'),
      /** empty = every alert of the owner */
      ruleIds: z.array(z.string().min(1).max(128)).max(50).default([]),
      symbols: z.array(symbolSchema).max(50).default([]),
      venues: z.array(venueSchema).max(10).default([]),
    }),
    z.object({
      kind: z.literal('signal'),
      strategy: z.string().min(1).max(128).optional(),
      symbols: z.array(symbolSchema).max(50).default([]),
      side: z.enum(['buy', 'sell', 'any']).default('any'),
    }),
    z.object({
      kind: z.literal('schedule'),
      cron: z.string().min(9).max(120).describe('5 or 6 fields, e.g. `0 9 * * 1-5`'),
      timeZone: z.string().min(1).max(64).default('UTC'),
    }),
    z.object({
      kind: z.literal('webhook'),
      /** signature: Standard Webhooks headers; token: `{"token": "<secret>"}` in the body (TradingView) */
      auth: z.enum(['signature', 'token']).default('signature'),
    }),
  ])
  .describe('what starts a run');

const stepCommon = {
  name: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[\w-]+$/),
  /** run only when this trigger field equals the value (e.g. `{ "field": "symbol", "equals": "BTCUSDT" }`) */
  when: z
    .object({ field: z.string().min(1).max(64), equals: z.union([z.string(), z.number(), z.boolean()]) })
    .optional(),
};

/** how long a backtest or replay step may run before it fails with NXR_TIMEOUT (and is retried like any failure) */
const researchTimeout = z
  .number()
  .int()
  .min(1_000)
  .max(6 * 3_600_000)
  .default(600_000);

export const automationStepSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('webhook'),
    ...stepCommon,
    url: httpsOrLoopback,
    /** Standard Webhooks signing secret `whsec_…`; default: the workflow's own secret */
    secret: z
      .string()
      .regex(/^whsec_[A-Za-z0-9+/=]{16,}$/)
      .optional(),
  }),
  z.object({
    kind: z.literal('discord'),
    ...stepCommon,
    channelId: z.string().regex(/^\d{5,25}$/),
    content: template,
  }),
  z.object({ kind: z.literal('email'), ...stepCommon, to: z.email(), subject: template, text: template }),
  z.object({ kind: z.literal('newsletter'), ...stepCommon }),
  z.object({
    kind: z.literal('http'),
    ...stepCommon,
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
    url: httpsOrLoopback,
    headers: z.record(z.string().regex(/^[\w-]+$/), z.string().max(2000)).default({}),
    body: template.optional(),
  }),
  z.object({
    kind: z.literal('backtest'),
    ...stepCommon,
    /** the strategy (schemas/strategy.ts) run over [from, to) of the raw trades topic */
    strategy: strategySchema,
    /** ISO time with zone, offset or partition:offset pairs, as `nexural backtest --from`; templated */
    from: template,
    to: template.optional(),
    timeoutMs: researchTimeout,
  }),
  z.object({
    kind: z.literal('replay'),
    ...stepCommon,
    from: template,
    to: template.optional(),
    symbols: z.array(symbolSchema).max(50).default([]),
    timeoutMs: researchTimeout,
  }),
]);

export const automationRetrySchema = z
  .object({
    attempts: z.number().int().min(1).max(10).default(5),
    backoffMs: z.number().int().min(10).max(3_600_000).default(1_000),
  })
  .default({ attempts: 5, backoffMs: 1_000 });

/** What a user writes (POST /v1/automations): validated, then stored per owner. */
export const automationInputSchema = z
  .object({
    name: z.string().min(1).max(120),
    enabled: z.boolean().default(true),
    trigger: automationTriggerSchema,
    steps: z.array(automationStepSchema).min(1).max(20),
    retry: automationRetrySchema,
  })
  .refine((input) => new Set(input.steps.map((step) => step.name)).size === input.steps.length, {
    error: 'step names must be unique',
    path: ['steps'],
  });

export type AutomationTrigger = z.infer<typeof automationTriggerSchema>;
export type AutomationStep = z.infer<typeof automationStepSchema>;
export type AutomationInput = z.infer<typeof automationInputSchema>;

export interface Workflow extends AutomationInput {
  readonly id: string;
  readonly owner: string;
  /** `whsec_…`: signs outbound webhooks and verifies inbound ones (token mode: the token is this string) */
  readonly secret: string;
  readonly createdAt: number;
}

/** What started a run: its id is the idempotency key of the whole run (one run per workflow and event). */
export interface TriggerEvent {
  readonly id: string;
  readonly time: number;
  readonly fields: Readonly<Record<string, string | number | boolean | null>>;
}

export type StepStatus = 'pending' | 'succeeded' | 'failed' | 'skipped' | 'dead';
export type RunStatus = 'running' | 'succeeded' | 'dead';

export interface StepRun {
  readonly index: number;
  readonly name: string;
  readonly status: StepStatus;
  readonly attempts: number;
  readonly durationMs: number | null;
  readonly responseCode: number | null;
  /** what the step answered beyond a status (a backtest's run id and output dir), null if nothing */
  readonly response: Readonly<Record<string, string | number | null>> | null;
  readonly error: string | null;
}

export interface WorkflowRun {
  readonly id: string;
  readonly workflowId: string;
  readonly owner: string;
  readonly event: TriggerEvent;
  readonly status: RunStatus;
  readonly startedAt: number;
  readonly finishedAt: number | null;
  readonly steps: readonly StepRun[];
}
