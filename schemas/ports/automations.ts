import type { RunStatus, StepRun, StepStatus, TriggerEvent, Workflow, WorkflowRun } from '../automation.js';

export interface StepUpdate {
  readonly status: StepStatus;
  readonly attempts: number;
  readonly durationMs: number | null;
  readonly responseCode: number | null;
  /** kept as it was when absent */
  readonly response?: Readonly<Record<string, string | number | null>> | null;
  readonly error: string | null;
}

/** Workflows, runs and step runs (sql/0019, sql/0020). Reads by owner never show another user's rows. */
export interface AutomationRepository {
  create(workflow: Workflow): Promise<void>;
  /** the workflow by id whoever owns it (inbound hooks and the runner); null if none */
  get(id: string): Promise<Workflow | null>;
  list(owner: string): Promise<readonly Workflow[]>;
  /** enabled workflows with this trigger kind (every owner): what an alert or signal is matched against */
  withTrigger(kind: Workflow['trigger']['kind']): Promise<readonly Workflow[]>;
  remove(owner: string, id: string): Promise<boolean>;
  /**
   * Starts the run of `workflow` for `event` with every step pending; an event already run returns the
   * existing run with `created: false` (one run per workflow and event).
   */
  startRun(
    workflow: Workflow,
    event: TriggerEvent,
    runId: string,
    now: number,
  ): Promise<{ readonly run: WorkflowRun; readonly created: boolean }>;
  run(runId: string): Promise<WorkflowRun | null>;
  runs(owner: string, workflowId: string, limit: number): Promise<readonly WorkflowRun[]>;
  /** dead runs of the owner (the dead letters), newest first */
  deadRuns(owner: string, limit: number): Promise<readonly WorkflowRun[]>;
  updateStep(runId: string, index: number, update: StepUpdate): Promise<void>;
  finishRun(runId: string, status: RunStatus, now: number): Promise<void>;
}

export type { StepRun };

export type HookOutcome =
  | { readonly kind: 'accepted'; readonly runId: string; readonly duplicate: boolean }
  | { readonly kind: 'unknown' }
  | { readonly kind: 'rejected'; readonly reason: string };

/** What the API asks of the automation suite (consumers/automation/service.ts). Every call names the owner. */
export interface AutomationService {
  create(owner: string, input: unknown): Promise<Workflow>;
  list(owner: string): Promise<readonly Workflow[]>;
  remove(owner: string, id: string): Promise<boolean>;
  runs(owner: string, workflowId: string, limit: number): Promise<readonly WorkflowRun[]>;
  deadLetters(owner: string, limit: number): Promise<readonly WorkflowRun[]>;
  retry(owner: string, runId: string): Promise<WorkflowRun>;
  /** every run the workflow would have made over [from, to) of stored history; no side effect */
  dryRun(
    owner: string,
    workflowId: string,
    range: { readonly from: number; readonly to: number },
  ): Promise<unknown>;
  /** an inbound hook (POST /v1/hooks/:id): verified on the raw body before anything runs */
  receiveHook(
    workflowId: string,
    headers: Readonly<Record<string, string | string[] | undefined>>,
    rawBody: string,
  ): Promise<HookOutcome>;
}
