-- Row-level security on the Discord bot's tables (sql/0021), as sql/0005 does for every user-owned table: an
-- analyst login sees only its own rows, a request session (nexural_app_user + nexural.user_id) reads and writes
-- only its own. A conversation gets the owner of the linked user who asked (null for an unlinked Discord user:
-- such a row is seen by no analyst and no request, only by the bot's own role).

ALTER TABLE discord_conversations ADD COLUMN owner text;
COMMENT ON COLUMN discord_conversations.owner IS 'Nexural user id of the linked user who asked; null when unlinked';
CREATE INDEX discord_conversations_owner ON discord_conversations (owner);

GRANT SELECT ON discord_links, discord_conversations TO nexural_analyst;
GRANT SELECT, INSERT, UPDATE, DELETE ON discord_links, discord_conversations TO nexural_app_user;

DO $$
DECLARE
  owned text;
BEGIN
  FOREACH owned IN ARRAY ARRAY['discord_links', 'discord_conversations']
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
