-- Who may read what. Roles are cluster-wide (created once, tolerated if they exist); grants and policies
-- belong to this schema.
--
-- nexural_analyst (NOLOGIN group): humans with psql. Reads all market data, and only their own rows of the
--   user-owned tables; writes nothing. Their identity is their LOGIN (users.db_login), not a session setting:
--   any session can SET nexural.user_id, so a setting cannot identify a person who types SQL. Create a login:
--     CREATE ROLE alice LOGIN PASSWORD '…' IN ROLE nexural_analyst;
--     UPDATE users SET db_login = 'alice' WHERE id = '<alice''s user id>';
-- nexural_app_user (NOLOGIN): the role the API switches to for a request made on behalf of one user:
--     BEGIN; SET LOCAL ROLE nexural_app_user; SELECT set_config('nexural.user_id', $1, true); …; COMMIT;
--   Row-level security keys on nexural.user_id, so a query bug in the API cannot reach another user's rows.
-- The table owner (the migrating role, which the store connects as) bypasses row-level security and always
-- filters by owner explicitly. Never grant both group roles to one login: policies of both would apply (OR).

DO $$
BEGIN
  CREATE ROLE nexural_analyst NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; -- exists (another schema or a concurrent run)
END
$$;
DO $$
BEGIN
  CREATE ROLE nexural_app_user NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;
COMMENT ON ROLE nexural_analyst IS 'Read-only analysts: all market data, own rows of user-owned tables (login mapped by users.db_login).';
COMMENT ON ROLE nexural_app_user IS 'Role the API assumes per request after set_config(''nexural.user_id'', …): own rows only.';

DO $$
BEGIN
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO nexural_analyst, nexural_app_user', current_database());
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO nexural_analyst, nexural_app_user', current_schema());
END
$$;

CREATE FUNCTION nexural_login_user_id(login name) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER AS $$
  SELECT u.id FROM users u WHERE u.db_login = login
$$;
-- SECURITY DEFINER reads users past row-level security; pin its search path so a caller's temporary
-- table named users cannot stand in for ours.
DO $$
BEGIN
  EXECUTE format('ALTER FUNCTION nexural_login_user_id(name) SET search_path = %I, pg_temp', current_schema());
END
$$;
REVOKE ALL ON FUNCTION nexural_login_user_id(name) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION nexural_login_user_id(name) TO nexural_analyst;
COMMENT ON FUNCTION nexural_login_user_id(name) IS 'User id of an analyst login (users.db_login), used by row-level security policies.';

GRANT SELECT ON symbols, trade_ticks, quotes, bars, indicator_values, bars_1h, bars_1d, newsletter_issues,
  replay_runs, retention_policies TO nexural_analyst, nexural_app_user;
GRANT SELECT ON users, alert_rules, alert_deliveries, alert_events, strategies, strategy_trades, strategy_equity
  TO nexural_analyst, nexural_app_user;
-- Analysts see their keys but not the hashes.
GRANT SELECT (id, owner, key_prefix, label, scopes, created_at, last_used_at, revoked_at) ON api_keys TO nexural_analyst;
GRANT SELECT, INSERT, UPDATE, DELETE ON api_keys, alert_rules, alert_deliveries, strategies, strategy_trades,
  strategy_equity TO nexural_app_user;

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
CREATE POLICY analyst_own_row ON users FOR SELECT TO nexural_analyst
  USING (id = nexural_login_user_id(current_user));
CREATE POLICY app_user_own_row ON users FOR SELECT TO nexural_app_user
  USING (id = current_setting('nexural.user_id', true));
COMMENT ON POLICY analyst_own_row ON users IS 'an analyst login sees its own user row';
COMMENT ON POLICY app_user_own_row ON users IS 'a request sees the user row of nexural.user_id';

DO $$
DECLARE
  owned text;
BEGIN
  FOREACH owned IN ARRAY ARRAY['api_keys', 'alert_rules', 'alert_deliveries', 'alert_events', 'strategies',
    'strategy_trades', 'strategy_equity']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', owned);
    EXECUTE format('CREATE POLICY analyst_own_rows ON %I FOR SELECT TO nexural_analyst '
      'USING (owner = nexural_login_user_id(current_user))', owned);
    EXECUTE format('CREATE POLICY app_user_own_rows ON %I FOR ALL TO nexural_app_user '
      'USING (owner = current_setting(''nexural.user_id'', true)) '
      'WITH CHECK (owner = current_setting(''nexural.user_id'', true))', owned);
    EXECUTE format('COMMENT ON POLICY analyst_own_rows ON %I IS %L', owned,
      'an analyst login (users.db_login) sees only rows it owns');
    EXECUTE format('COMMENT ON POLICY app_user_own_rows ON %I IS %L', owned,
      'a request reads and writes only rows owned by nexural.user_id');
  END LOOP;
END
$$;
