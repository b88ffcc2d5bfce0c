import { randomUUID } from 'node:crypto';
import type { TriggerEvent, Workflow, WorkflowRun } from '../../schemas/automation.js';
import { NexuralError } from '../../schemas/errors.js';
import type { AutomationRepository } from '../../schemas/ports/automations.js';
import type { EffectLedger } from '../../schemas/ports/effect-ledger.js';
import type { JobContext, Jobs } from '../../schemas/ports/jobs.js';
import { runStep, type StepPorts, type StepResult } from './effects.js';
import { stepApplies } from './template.js';

export const stepJobName = 'automation.step';
export const scheduleJobName = 'automation.schedule';
/** schedule id of a workflow's cron trigger (job ids may not hold `:`) */
export const scheduleIdOf = (workflowId: string) => `automation-${workflowId}`;

export interface AutomationRunnerDeps {
  readonly repository: AutomationRepository;
  readonly jobs: Jobs;
  /** the `automation` consumer's ledger: one record per run and step, so a step that succeeded never runs again */
  readonly ledger: EffectLedger;
  readonly ports: StepPorts;
  readonly now?: () => number;
}

export interface AutomationRunner {
  /** Starts the run of `workflow` for `event` (one run per workflow and event id; a repeat returns the first). */
  trigger(
    workflow: Workflow,
    event: TriggerEvent,
  ): Promise<{ readonly run: WorkflowRun; readonly created: boolean }>;
  /** Re-runs a dead run from its failed step; the steps that succeeded are not run again. */
  retry(owner: string, runId: string): Promise<WorkflowRun>;
  /** Puts (or removes, when disabled / not a schedule) the cron trigger of a workflow on the jobs port. */
  syncSchedule(workflow: Workflow): Promise<void>;
}

const stepData = (runId: string, index: number) => ({ runId, index });
const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Each step of a run is a job on the jobs port (id `<run>.<step>`): attempts with exponential backoff and
 * jitter from the workflow's retry policy; the step's effect goes through the effect ledger, so a process
 * killed mid-workflow resumes at the step it was on and never repeats one that succeeded; after the last
 * attempt the step and its run are `dead` (the dead letters), until `retry`.
 */
export function automationRunner(deps: AutomationRunnerDeps): AutomationRunner {
  const { repository, jobs, ledger } = deps;
  const now = deps.now ?? Date.now;

  const enqueueStep = async (workflow: Workflow, runId: string, index: number, suffix = '') =>
    jobs.enqueue({
      name: stepJobName,
      owner: workflow.owner,
      id: `${runId}.${index}${suffix}`,
      data: stepData(runId, index),
      retry: { attempts: workflow.retry.attempts, backoffMs: workflow.retry.backoffMs, jitter: 0.5 },
    });

  const advance = async (workflow: Workflow, runId: string, index: number) => {
    if (index + 1 < workflow.steps.length) await enqueueStep(workflow, runId, index + 1);
    else await repository.finishRun(runId, 'succeeded', now());
  };

  const handleStep = async (job: JobContext) => {
    const runId = String(job.data.runId);
    const index = Number(job.data.index);
    const run = await repository.run(runId);
    const workflow = run ? await repository.get(run.workflowId) : null;
    const step = workflow?.steps[index];
    const record = run?.steps[index];
    if (!run || !workflow || !step || !record) return; // deleted meanwhile: nothing left to do
    if (record.status === 'succeeded' || record.status === 'skipped') return advance(workflow, runId, index);
    if (!stepApplies(step.when, run.event)) {
      await repository.updateStep(runId, index, { ...record, status: 'skipped', error: null });
      return advance(workflow, runId, index);
    }
    const started = now();
    try {
      const outcome = await ledger.perform<StepResult>(`${runId}.${index}`, (call) =>
        runStep(step, { workflow, runId, event: run.event, call }, deps.ports),
      );
      await repository.updateStep(runId, index, {
        status: 'succeeded',
        attempts: record.attempts + (outcome.kind === 'performed' ? 1 : 0),
        durationMs: now() - started,
        responseCode: outcome.result.code,
        response: outcome.result.response ?? null,
        error: null,
      });
    } catch (error) {
      const final =
        job.attempt >= workflow.retry.attempts || (error as { retryable?: unknown }).retryable === false;
      const status = (error as NexuralError).details?.status;
      await repository.updateStep(runId, index, {
        status: final ? 'dead' : 'failed',
        attempts: record.attempts + 1,
        durationMs: now() - started,
        responseCode: typeof status === 'number' ? status : null,
        error: errorText(error).slice(0, 1000),
      });
      if (final) await repository.finishRun(runId, 'dead', now());
      throw error;
    }
    await advance(workflow, runId, index);
  };

  jobs.register(stepJobName, handleStep);

  const trigger = async (workflow: Workflow, event: TriggerEvent) => {
    const { run, created } = await repository.startRun(workflow, event, `run-${randomUUID()}`, now());
    // a repeat of a run whose first step never started (died between startRun and enqueue) enqueues it again;
    // the job id `<run>.0` makes that a no-op when the job exists
    if (created || (run.status === 'running' && run.steps[0]?.status === 'pending'))
      await enqueueStep(workflow, run.id, 0);
    return { run, created };
  };

  jobs.register(scheduleJobName, async (job) => {
    const workflow = await repository.get(String(job.data.workflowId));
    if (!workflow?.enabled) return;
    await trigger(workflow, {
      id: `schedule.${job.id}`,
      time: now(),
      fields: { scheduledAt: new Date(now()).toISOString() },
    });
  });

  return {
    trigger,
    async retry(owner, runId) {
      const run = await repository.run(runId);
      const workflow = run ? await repository.get(run.workflowId) : null;
      if (!run || !workflow || run.owner !== owner)
        throw new NexuralError('NXR_NOT_FOUND', `no run ${runId}`);
      if (run.status !== 'dead')
        throw new NexuralError('NXR_CONFLICT', `run ${runId} is ${run.status}, not dead`);
      const failed = run.steps.find((step) => step.status === 'dead' || step.status === 'failed');
      if (!failed) throw new NexuralError('NXR_CONFLICT', `run ${runId} has no failed step`);
      await repository.updateStep(runId, failed.index, { ...failed, status: 'pending' });
      await repository.finishRun(runId, 'running', now());
      await enqueueStep(workflow, runId, failed.index, `.retry${now()}`);
      return (await repository.run(runId)) ?? run;
    },
    async syncSchedule(workflow) {
      const id = scheduleIdOf(workflow.id);
      if (workflow.trigger.kind !== 'schedule' || !workflow.enabled) {
        await jobs.removeSchedule(id);
        return;
      }
      await jobs.upsertSchedule({
        id,
        name: scheduleJobName,
        owner: workflow.owner,
        data: { workflowId: workflow.id },
        schedule: { kind: 'cron', pattern: workflow.trigger.cron, timeZone: workflow.trigger.timeZone },
        retry: { attempts: 3, backoffMs: 1_000 },
      });
    },
  };
}
