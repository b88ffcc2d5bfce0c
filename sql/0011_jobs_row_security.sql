-- The embedded jobs' tables (sql/0008) hold user-owned rows (owner = a user id, or system for the platform's
-- own): the same row-level security as the other user-owned tables (sql/0005). Analysts and requests read
-- only their own jobs, schedules and run history; only the jobs adapter (the table owner) writes them, and
-- rows of system are nobody's to read but the owner's.

GRANT SELECT ON jobs, job_schedules, job_runs TO nexural_analyst, nexural_app_user;

DO $$
DECLARE
  owned text;
BEGIN
  FOREACH owned IN ARRAY ARRAY['jobs', 'job_schedules']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', owned);
    EXECUTE format('CREATE POLICY analyst_own_rows ON %I FOR SELECT TO nexural_analyst '
      'USING (owner = nexural_login_user_id(current_user))', owned);
    EXECUTE format('CREATE POLICY app_user_own_rows ON %I FOR SELECT TO nexural_app_user '
      'USING (owner = current_setting(''nexural.user_id'', true))', owned);
    EXECUTE format('COMMENT ON POLICY analyst_own_rows ON %I IS %L', owned,
      'an analyst login (users.db_login) sees only rows it owns');
    EXECUTE format('COMMENT ON POLICY app_user_own_rows ON %I IS %L', owned,
      'a request reads only rows owned by nexural.user_id');
  END LOOP;
END
$$;

-- A run is visible with its job: the subquery runs under the reader's role, so the jobs policy applies.
ALTER TABLE job_runs ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_job_runs ON job_runs FOR SELECT TO nexural_analyst, nexural_app_user
  USING (EXISTS (SELECT 1 FROM jobs WHERE jobs.id = job_runs.job_id));
COMMENT ON POLICY own_job_runs ON job_runs IS 'the runs of the jobs the reader may see';
