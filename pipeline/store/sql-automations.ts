import type { RunStatus, StepRun, TriggerEvent, Workflow, WorkflowRun } from '../../schemas/automation.js';
import { automationInputSchema } from '../../schemas/automation.js';
import type { AutomationRepository } from '../../schemas/ports/automations.js';
import type { SqlDatabase } from './sql-database.js';

interface WorkflowRow {
  id: string;
  owner: string;
  definition: unknown;
  secret: string;
  enabled: boolean;
  created_ms: string | number;
}

interface RunRow {
  id: string;
  workflow_id: string;
  owner: string;
  event: TriggerEvent;
  status: RunStatus;
  started_ms: string | number;
  finished_ms: string | number | null;
}

interface StepRow {
  run_id: string;
  step_index: number;
  name: string;
  status: StepRun['status'];
  attempts: number;
  duration_ms: number | null;
  response_code: number | null;
  response: StepRun['response'];
  error: string | null;
}

const workflowColumns =
  'id, owner, definition, secret, enabled, (extract(epoch FROM created_at) * 1000)::bigint AS created_ms';
const runColumns =
  'id, workflow_id, owner, event, status, (extract(epoch FROM started_at) * 1000)::bigint AS started_ms, (extract(epoch FROM finished_at) * 1000)::bigint AS finished_ms';

const workflowOf = (row: WorkflowRow): Workflow => ({
  ...automationInputSchema.parse(row.definition),
  enabled: row.enabled,
  id: row.id,
  owner: row.owner,
  secret: row.secret,
  createdAt: Number(row.created_ms),
});

/** Automations over sql/0019 + sql/0020 (PGlite or PostgreSQL). */
export function sqlAutomations(db: SqlDatabase): AutomationRepository {
  const stepsOf = async (runIds: readonly string[]) => {
    if (runIds.length === 0) return new Map<string, StepRun[]>();
    const { rows } = await db.query<StepRow>(
      `SELECT run_id, step_index, name, status, attempts, duration_ms, response_code, response, error
       FROM automation_workflow_steps WHERE run_id = ANY($1) ORDER BY run_id, step_index`,
      [runIds],
    );
    const byRun = new Map<string, StepRun[]>();
    for (const row of rows) {
      const list = byRun.get(row.run_id) ?? [];
      list.push({
        index: row.step_index,
        name: row.name,
        status: row.status,
        attempts: row.attempts,
        durationMs: row.duration_ms,
        responseCode: row.response_code,
        response: row.response,
        error: row.error,
      });
      byRun.set(row.run_id, list);
    }
    return byRun;
  };
  const runsOf = async (rows: readonly RunRow[]): Promise<WorkflowRun[]> => {
    const steps = await stepsOf(rows.map((row) => row.id));
    return rows.map((row) => ({
      id: row.id,
      workflowId: row.workflow_id,
      owner: row.owner,
      event: row.event,
      status: row.status,
      startedAt: Number(row.started_ms),
      finishedAt: row.finished_ms === null ? null : Number(row.finished_ms),
      steps: steps.get(row.id) ?? [],
    }));
  };
  const run = async (runId: string) => {
    const { rows } = await db.query<RunRow>(
      `SELECT ${runColumns} FROM automation_workflow_runs WHERE id = $1`,
      [runId],
    );
    return (await runsOf(rows))[0] ?? null;
  };
  return {
    async create(workflow) {
      const { id, owner, secret, createdAt, ...definition } = workflow;
      await db.query(
        `INSERT INTO automation_workflows (id, owner, definition, secret, enabled, created_at)
         VALUES ($1, $2, $3, $4, $5, to_timestamp($6 / 1000.0))`,
        [id, owner, JSON.stringify(definition), secret, workflow.enabled, createdAt],
      );
    },
    async get(id) {
      const { rows } = await db.query<WorkflowRow>(
        `SELECT ${workflowColumns} FROM automation_workflows WHERE id = $1`,
        [id],
      );
      return rows[0] ? workflowOf(rows[0]) : null;
    },
    async list(owner) {
      const { rows } = await db.query<WorkflowRow>(
        `SELECT ${workflowColumns} FROM automation_workflows WHERE owner = $1 ORDER BY created_at, id`,
        [owner],
      );
      return rows.map(workflowOf);
    },
    async withTrigger(kind) {
      const { rows } = await db.query<WorkflowRow>(
        `SELECT ${workflowColumns} FROM automation_workflows
         WHERE enabled AND definition->'trigger'->>'kind' = $1 ORDER BY id`,
        [kind],
      );
      return rows.map(workflowOf);
    },
    async remove(owner, id) {
      const { rowCount } = await db.query('DELETE FROM automation_workflows WHERE owner = $1 AND id = $2', [
        owner,
        id,
      ]);
      return (rowCount ?? 0) > 0;
    },
    async startRun(workflow, event, runId, now) {
      return db.transaction(async (session) => {
        const inserted = await session.query<{ id: string }>(
          `INSERT INTO automation_workflow_runs (id, workflow_id, owner, event_id, event, status, started_at)
           VALUES ($1, $2, $3, $4, $5, 'running', to_timestamp($6 / 1000.0))
           ON CONFLICT (workflow_id, event_id) DO NOTHING RETURNING id`,
          [runId, workflow.id, workflow.owner, event.id, JSON.stringify(event), now],
        );
        const created = inserted.rows.length > 0;
        if (created) {
          for (const [index, step] of workflow.steps.entries()) {
            await session.query(
              `INSERT INTO automation_workflow_steps (run_id, step_index, name, status) VALUES ($1, $2, $3, 'pending')`,
              [runId, index, step.name],
            );
          }
        }
        const { rows } = await session.query<RunRow>(
          `SELECT ${runColumns} FROM automation_workflow_runs WHERE workflow_id = $1 AND event_id = $2`,
          [workflow.id, event.id],
        );
        const [found] = rows;
        if (!found) throw new Error(`run of ${workflow.id} for ${event.id} vanished`);
        const steps = created
          ? workflow.steps.map((step, index) => ({
              index,
              name: step.name,
              status: 'pending' as const,
              attempts: 0,
              durationMs: null,
              responseCode: null,
              response: null,
              error: null,
            }))
          : [];
        return {
          run: {
            id: found.id,
            workflowId: found.workflow_id,
            owner: found.owner,
            event: found.event,
            status: found.status,
            startedAt: Number(found.started_ms),
            finishedAt: found.finished_ms === null ? null : Number(found.finished_ms),
            steps,
          },
          created,
        };
      });
    },
    run,
    async runs(owner, workflowId, limit) {
      const { rows } = await db.query<RunRow>(
        `SELECT ${runColumns} FROM automation_workflow_runs WHERE owner = $1 AND workflow_id = $2
         ORDER BY started_at DESC, id DESC LIMIT $3`,
        [owner, workflowId, limit],
      );
      return runsOf(rows);
    },
    async deadRuns(owner, limit) {
      const { rows } = await db.query<RunRow>(
        `SELECT ${runColumns} FROM automation_workflow_runs WHERE owner = $1 AND status = 'dead'
         ORDER BY started_at DESC, id DESC LIMIT $2`,
        [owner, limit],
      );
      return runsOf(rows);
    },
    async updateStep(runId, index, update) {
      await db.query(
        `UPDATE automation_workflow_steps SET status = $3, attempts = $4, duration_ms = $5, response_code = $6,
           error = $7, response = CASE WHEN $8 THEN $9::jsonb ELSE response END, updated_at = now()
         WHERE run_id = $1 AND step_index = $2`,
        [
          runId,
          index,
          update.status,
          update.attempts,
          update.durationMs,
          update.responseCode,
          update.error,
          update.response !== undefined,
          update.response == null ? null : JSON.stringify(update.response),
        ],
      );
    },
    async finishRun(runId, status, now) {
      await db.query(
        `UPDATE automation_workflow_runs SET status = $2, finished_at = CASE WHEN $2 = 'running' THEN NULL ELSE to_timestamp($3 / 1000.0) END WHERE id = $1`,
        [runId, status, now],
      );
    },
  };
}
