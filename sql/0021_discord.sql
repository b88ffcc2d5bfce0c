-- The Discord bot's state: which Discord user is which Nexural account (set by /link with an API key, whose
-- hash is looked up and never stored), and the analyst's conversation context per thread or channel + user.

CREATE TABLE discord_links (
  discord_user_id text PRIMARY KEY,
  owner text NOT NULL,
  linked_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE discord_links IS 'Discord users linked to Nexural accounts (/link).';
COMMENT ON COLUMN discord_links.discord_user_id IS 'Discord user id (snowflake)';
COMMENT ON COLUMN discord_links.owner IS 'Nexural user id the Discord user acts as';
COMMENT ON COLUMN discord_links.linked_at IS 'when the link was made or last renewed';
CREATE INDEX discord_links_owner ON discord_links (owner);

CREATE TABLE discord_conversations (
  conversation text PRIMARY KEY,
  turns jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE discord_conversations IS 'The /ask analyst context per conversation (thread, or channel + user), older turns summarised to fit a token budget.';
COMMENT ON COLUMN discord_conversations.conversation IS 'thread id, or channel id + user id';
COMMENT ON COLUMN discord_conversations.turns IS 'array of {role, content, at}, oldest first';
COMMENT ON COLUMN discord_conversations.updated_at IS 'when the conversation last changed';
