-- One row per step of an automation run; a step that succeeded is never run again (its effect is also in the
-- effect ledger under `automation` with key <run id>.<step index>).

CREATE TABLE automation_workflow_steps (
  run_id text NOT NULL REFERENCES automation_workflow_runs (id) ON DELETE CASCADE,
  step_index integer NOT NULL CHECK (step_index >= 0),
  name text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'skipped', 'dead')),
  attempts integer NOT NULL DEFAULT 0,
  duration_ms integer,
  response_code integer,
  error text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, step_index)
);
COMMENT ON TABLE automation_workflow_steps IS 'Each step of each automation run: status, attempts, duration, response code, last error.';
COMMENT ON COLUMN automation_workflow_steps.run_id IS 'the run';
COMMENT ON COLUMN automation_workflow_steps.step_index IS 'position of the step in the workflow, from 0';
COMMENT ON COLUMN automation_workflow_steps.name IS 'step name';
COMMENT ON COLUMN automation_workflow_steps.status IS 'pending, succeeded, failed (will retry), skipped (condition false) or dead (dead letter)';
COMMENT ON COLUMN automation_workflow_steps.attempts IS 'attempts made';
COMMENT ON COLUMN automation_workflow_steps.duration_ms IS 'duration of the last attempt';
COMMENT ON COLUMN automation_workflow_steps.response_code IS 'HTTP status of the last attempt, when the step calls HTTP';
COMMENT ON COLUMN automation_workflow_steps.error IS 'error of the last failed attempt';
COMMENT ON COLUMN automation_workflow_steps.updated_at IS 'when the row last changed';
CREATE INDEX automation_workflow_steps_dead ON automation_workflow_steps (status) WHERE status = 'dead';
