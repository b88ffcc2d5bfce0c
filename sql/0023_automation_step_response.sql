-- What a step answered beyond an HTTP status: a backtest or replay step's run id and output directory.

ALTER TABLE automation_workflow_steps ADD COLUMN response jsonb;
COMMENT ON COLUMN automation_workflow_steps.response IS 'what the step answered (backtest/replay: run id, output dir, counts), null if nothing';
