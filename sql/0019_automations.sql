-- Automation suite (issue 16): workflows per user (validated JSON, schemas/automation.ts), one run per workflow
-- and trigger event, one row per step of a run with its status, attempts, duration, response code and error.

CREATE TABLE automation_workflows (
  id text PRIMARY KEY,
  owner text NOT NULL,
  definition jsonb NOT NULL,
  secret text NOT NULL,
  enabled boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE automation_workflows IS 'Automation workflows: a trigger then steps (schemas/automation.ts), per owner.';
COMMENT ON COLUMN automation_workflows.id IS 'workflow id, also the inbound hook id (POST /v1/hooks/:id)';
COMMENT ON COLUMN automation_workflows.owner IS 'user the workflow belongs to';
COMMENT ON COLUMN automation_workflows.definition IS 'validated automation input: name, trigger, steps, retry';
COMMENT ON COLUMN automation_workflows.secret IS 'Standard Webhooks secret (whsec_…): signs outbound, verifies inbound';
COMMENT ON COLUMN automation_workflows.enabled IS 'false = its triggers start nothing';
COMMENT ON COLUMN automation_workflows.created_at IS 'when it was created';
CREATE INDEX automation_workflows_owner ON automation_workflows (owner, created_at);

CREATE TABLE automation_workflow_runs (
  id text PRIMARY KEY,
  workflow_id text NOT NULL REFERENCES automation_workflows (id) ON DELETE CASCADE,
  owner text NOT NULL,
  event_id text NOT NULL,
  event jsonb NOT NULL,
  status text NOT NULL CHECK (status IN ('running', 'succeeded', 'dead')),
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  UNIQUE (workflow_id, event_id)
);
COMMENT ON TABLE automation_workflow_runs IS 'Runs of a workflow, one per trigger event (the event id is the idempotency key).';
COMMENT ON COLUMN automation_workflow_runs.id IS 'run id';
COMMENT ON COLUMN automation_workflow_runs.workflow_id IS 'the workflow that ran';
COMMENT ON COLUMN automation_workflow_runs.owner IS 'owner of the workflow';
COMMENT ON COLUMN automation_workflow_runs.event_id IS 'trigger event id (alert event id, webhook-id, schedule job id)';
COMMENT ON COLUMN automation_workflow_runs.event IS 'the trigger event: id, time and the fields steps are templated from';
COMMENT ON COLUMN automation_workflow_runs.status IS 'running, succeeded, or dead (a step failed its last attempt)';
COMMENT ON COLUMN automation_workflow_runs.started_at IS 'when the run started';
COMMENT ON COLUMN automation_workflow_runs.finished_at IS 'when it succeeded or went dead';
CREATE INDEX automation_workflow_runs_workflow ON automation_workflow_runs (workflow_id, started_at DESC);
