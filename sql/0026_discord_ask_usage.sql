-- The analyst's daily /ask quota, counted in the store so a restart of the bot (or a second bot process) keeps
-- the count: one row per account and UTC day. Row-level security as sql/0022: an analyst login and a request
-- session see only their own account's rows; an unlinked Discord user's row (account `discord:<id>`) has no
-- owner and is seen by the bot's own role only.

CREATE TABLE discord_ask_usage (
  account text NOT NULL,
  day date NOT NULL,
  asked integer NOT NULL CHECK (asked >= 0),
  owner text,
  PRIMARY KEY (account, day)
);
COMMENT ON TABLE discord_ask_usage IS 'The /ask questions counted against the plan''s askPerDay, per account and UTC day.';
COMMENT ON COLUMN discord_ask_usage.account IS 'Nexural user id of the linked Discord user, or discord:<Discord user id> when unlinked';
COMMENT ON COLUMN discord_ask_usage.day IS 'UTC day the questions were asked';
COMMENT ON COLUMN discord_ask_usage.asked IS 'questions taken from the quota that day';
COMMENT ON COLUMN discord_ask_usage.owner IS 'Nexural user id (the account when linked); null when unlinked';
CREATE INDEX discord_ask_usage_owner ON discord_ask_usage (owner);

GRANT SELECT ON discord_ask_usage TO nexural_analyst;
GRANT SELECT, INSERT, UPDATE, DELETE ON discord_ask_usage TO nexural_app_user;
ALTER TABLE discord_ask_usage ENABLE ROW LEVEL SECURITY;
CREATE POLICY analyst_own_rows ON discord_ask_usage FOR SELECT TO nexural_analyst
  USING (owner = nexural_login_user_id(current_user));
CREATE POLICY app_user_own_rows ON discord_ask_usage FOR ALL TO nexural_app_user
  USING (owner = current_setting('nexural.user_id', true))
  WITH CHECK (owner = current_setting('nexural.user_id', true));
COMMENT ON POLICY analyst_own_rows ON discord_ask_usage IS 'an analyst login (users.db_login) sees only rows it owns';
COMMENT ON POLICY app_user_own_rows ON discord_ask_usage IS 'a request reads and writes only rows owned by nexural.user_id';
