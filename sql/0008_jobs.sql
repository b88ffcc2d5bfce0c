-- The embedded jobs adapter (pipeline/jobs/embedded-jobs.ts) keeps its jobs, schedules and run history here,
-- so a restart of the one-command default loses nothing. The BullMQ adapter keeps the same facts in Redis and
-- does not use these tables. Times are ms since epoch (bigint): the adapter's clock is injectable.

CREATE TABLE job_schedules (
  id text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 256),
  name text NOT NULL,
  owner text NOT NULL,
  data jsonb NOT NULL DEFAULT '{}',
  schedule jsonb NOT NULL,
  retry jsonb NOT NULL DEFAULT '{}',
  next_run_at bigint,
  updated_at bigint NOT NULL
);
COMMENT ON TABLE job_schedules IS 'Schedules of the embedded jobs adapter: each creates one job per due time.';
COMMENT ON COLUMN job_schedules.id IS 'schedule id (upserting the same id replaces it)';
COMMENT ON COLUMN job_schedules.name IS 'handler name of the jobs it creates';
COMMENT ON COLUMN job_schedules.owner IS 'user the jobs belong to (system for the platform''s own)';
COMMENT ON COLUMN job_schedules.data IS 'data every created job carries';
COMMENT ON COLUMN job_schedules.schedule IS 'timing: {"kind":"cron","pattern","timeZone"} or {"kind":"every","everyMs"}';
COMMENT ON COLUMN job_schedules.retry IS 'retry policy of the created jobs: attempts, backoffMs, jitter';
COMMENT ON COLUMN job_schedules.next_run_at IS 'due time (ms since epoch) of the next job; null = never again';
COMMENT ON COLUMN job_schedules.updated_at IS 'when the schedule was last upserted (ms since epoch)';

CREATE TABLE jobs (
  id text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 512),
  name text NOT NULL,
  owner text NOT NULL,
  data jsonb NOT NULL DEFAULT '{}',
  state text NOT NULL CHECK (state IN ('waiting', 'delayed', 'active', 'completed', 'dead')),
  schedule_id text,
  attempts_made integer NOT NULL DEFAULT 0,
  max_attempts integer NOT NULL CHECK (max_attempts >= 1),
  backoff_ms integer NOT NULL,
  jitter real NOT NULL,
  created_at bigint NOT NULL,
  run_at bigint NOT NULL,
  finished_at bigint,
  last_error text
);
CREATE INDEX jobs_due ON jobs (run_at) WHERE state IN ('waiting', 'delayed', 'active');
CREATE INDEX jobs_owner ON jobs (owner, created_at DESC);
COMMENT ON TABLE jobs IS 'Jobs of the embedded jobs adapter; the id is the idempotency key.';
COMMENT ON COLUMN jobs.id IS 'job id; a scheduled job''s is schedule id + due time, so a due time runs once';
COMMENT ON COLUMN jobs.name IS 'handler name';
COMMENT ON COLUMN jobs.owner IS 'user the job belongs to';
COMMENT ON COLUMN jobs.data IS 'the handler''s input';
COMMENT ON COLUMN jobs.state IS 'waiting, delayed (incl. retry backoff), active, completed, dead (last attempt failed or unrecoverable)';
COMMENT ON COLUMN jobs.schedule_id IS 'schedule that created the job; null when enqueued directly';
COMMENT ON COLUMN jobs.attempts_made IS 'attempts started so far';
COMMENT ON COLUMN jobs.max_attempts IS 'attempts allowed in all (first run included)';
COMMENT ON COLUMN jobs.backoff_ms IS 'delay before the first retry; doubled for each further retry';
COMMENT ON COLUMN jobs.jitter IS 'fraction of each backoff delay drawn at random';
COMMENT ON COLUMN jobs.created_at IS 'when the job was enqueued (ms since epoch)';
COMMENT ON COLUMN jobs.run_at IS 'when the job (or its next attempt) is due (ms since epoch)';
COMMENT ON COLUMN jobs.finished_at IS 'when it completed or went dead (ms since epoch)';
COMMENT ON COLUMN jobs.last_error IS 'message of the last failed attempt';

CREATE TABLE job_runs (
  job_id text NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  attempt integer NOT NULL CHECK (attempt >= 1),
  started_at bigint NOT NULL,
  finished_at bigint NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('completed', 'failed')),
  error text,
  PRIMARY KEY (job_id, attempt)
);
COMMENT ON TABLE job_runs IS 'Every attempt of every job of the embedded jobs adapter: run history with durations and errors.';
COMMENT ON COLUMN job_runs.job_id IS 'the job';
COMMENT ON COLUMN job_runs.attempt IS '1 for the first run';
COMMENT ON COLUMN job_runs.started_at IS 'when the attempt started (ms since epoch)';
COMMENT ON COLUMN job_runs.finished_at IS 'when it ended (ms since epoch)';
COMMENT ON COLUMN job_runs.outcome IS 'completed or failed';
COMMENT ON COLUMN job_runs.error IS 'the error message of a failed attempt';
