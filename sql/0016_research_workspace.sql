-- The research workspace: watchlists (ordered, in sections, a note per symbol, with the history of entries and
-- exits) and research notes / ideas (Markdown, tags, anchored to a bar, a snapshot of the market at that moment,
-- full-text search; an idea with a direction and a horizon is scored once its horizon's bars are final).
-- User-owned like the tables of sql/0005: analysts read their own rows, requests (nexural_app_user) read and
-- write only the rows of nexural.user_id.

CREATE TABLE watchlists (
  owner text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  id text NOT NULL CHECK (id ~ '^[A-Za-z0-9_-]{1,64}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  position integer NOT NULL DEFAULT 0,
  sections text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (owner, id)
);
COMMENT ON TABLE watchlists IS 'Watchlists of a user: ordered, their symbols in named sections (watchlist_items).';
COMMENT ON COLUMN watchlists.owner IS 'user id owning the watchlist';
COMMENT ON COLUMN watchlists.id IS 'watchlist id, unique per owner (letters, digits, _ -)';
COMMENT ON COLUMN watchlists.name IS 'name shown to the user';
COMMENT ON COLUMN watchlists.position IS 'order of the watchlist among the owner''s (ascending)';
COMMENT ON COLUMN watchlists.sections IS 'section names in display order ('''' = the unnamed first section)';
COMMENT ON COLUMN watchlists.created_at IS 'when the watchlist was created';
COMMENT ON COLUMN watchlists.updated_at IS 'when the watchlist was last changed';

CREATE TABLE watchlist_items (
  owner text NOT NULL,
  watchlist_id text NOT NULL,
  venue text NOT NULL,
  symbol text NOT NULL,
  section text NOT NULL,
  position integer NOT NULL,
  note text NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
  added_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (owner, watchlist_id, venue, symbol),
  FOREIGN KEY (owner, watchlist_id) REFERENCES watchlists (owner, id) ON DELETE CASCADE
);
COMMENT ON TABLE watchlist_items IS 'Symbols of a watchlist, each once, in a section and at a position, with a note.';
COMMENT ON COLUMN watchlist_items.owner IS 'user id owning the watchlist';
COMMENT ON COLUMN watchlist_items.watchlist_id IS 'watchlists.id';
COMMENT ON COLUMN watchlist_items.venue IS 'venue of the symbol';
COMMENT ON COLUMN watchlist_items.symbol IS 'the symbol watched';
COMMENT ON COLUMN watchlist_items.section IS 'section it is listed in (one of watchlists.sections)';
COMMENT ON COLUMN watchlist_items.position IS 'order within the section (ascending)';
COMMENT ON COLUMN watchlist_items.note IS 'the user''s note on this symbol';
COMMENT ON COLUMN watchlist_items.added_at IS 'when the symbol entered the watchlist';

CREATE TABLE watchlist_history (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  owner text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  watchlist_id text NOT NULL,
  venue text NOT NULL,
  symbol text NOT NULL,
  change text NOT NULL CHECK (change IN ('entered', 'left')),
  at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE watchlist_history IS 'Every entry of a symbol into a watchlist and every exit from it; kept when the watchlist is deleted.';
COMMENT ON COLUMN watchlist_history.seq IS 'order of the changes';
COMMENT ON COLUMN watchlist_history.owner IS 'user id owning the watchlist';
COMMENT ON COLUMN watchlist_history.watchlist_id IS 'watchlists.id (the watchlist may be gone)';
COMMENT ON COLUMN watchlist_history.venue IS 'venue of the symbol';
COMMENT ON COLUMN watchlist_history.symbol IS 'the symbol that entered or left';
COMMENT ON COLUMN watchlist_history.change IS 'entered or left';
COMMENT ON COLUMN watchlist_history.at IS 'when';
CREATE INDEX watchlist_history_list ON watchlist_history (owner, watchlist_id, seq);

-- array_to_string is only STABLE (arrays of any type); on text[] it is immutable, as a generated column needs.
CREATE FUNCTION nexural_note_document(title text, tags text[], symbol text, body text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT setweight(to_tsvector('english'::regconfig, title), 'A')
    || setweight(to_tsvector('english'::regconfig, array_to_string(tags, ' ')), 'A')
    || setweight(to_tsvector('simple'::regconfig, symbol), 'A')
    || setweight(to_tsvector('english'::regconfig, body), 'B')
$$;
COMMENT ON FUNCTION nexural_note_document(text, text[], text, text) IS 'full-text document of a research note: title, tags, symbol (weight A), Markdown body (B)';

CREATE TABLE research_notes (
  id text PRIMARY KEY,
  owner text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  body text NOT NULL CHECK (length(body) <= 100000),
  tags text[] NOT NULL DEFAULT '{}',
  venue text NOT NULL,
  symbol text NOT NULL,
  bar_interval text NOT NULL,
  event_time timestamptz NOT NULL,
  source_offset text,
  snapshot jsonb NOT NULL,
  direction text CHECK (direction IN ('long', 'short')),
  horizon_bars integer CHECK (horizon_bars BETWEEN 1 AND 10000),
  score jsonb,
  scored_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  search tsvector GENERATED ALWAYS AS (nexural_note_document(title, tags, symbol, body)) STORED,
  CHECK ((direction IS NULL) = (horizon_bars IS NULL))
);
COMMENT ON TABLE research_notes IS 'Research notes and ideas (a note with a direction and a horizon), anchored to a bar, with the market as it was.';
COMMENT ON COLUMN research_notes.id IS 'note id';
COMMENT ON COLUMN research_notes.owner IS 'user id owning the note';
COMMENT ON COLUMN research_notes.title IS 'title';
COMMENT ON COLUMN research_notes.body IS 'Markdown body';
COMMENT ON COLUMN research_notes.tags IS 'tags, lower case';
COMMENT ON COLUMN research_notes.venue IS 'anchor: venue';
COMMENT ON COLUMN research_notes.symbol IS 'anchor: symbol';
COMMENT ON COLUMN research_notes.bar_interval IS 'anchor: bar interval';
COMMENT ON COLUMN research_notes.event_time IS 'anchor: event time the note speaks of';
COMMENT ON COLUMN research_notes.source_offset IS 'anchor: position in the source stream (topic/partition/offset), if known';
COMMENT ON COLUMN research_notes.snapshot IS 'bars and indicator values of the anchor series up to event_time, as stored when the note was saved';
COMMENT ON COLUMN research_notes.direction IS 'ideas: long or short; null for a plain note';
COMMENT ON COLUMN research_notes.horizon_bars IS 'ideas: bars after the anchor bar the idea is scored over; null for a plain note';
COMMENT ON COLUMN research_notes.score IS 'ideas: entry, exit, return, maximum favourable and adverse excursion, once the horizon''s bars are final';
COMMENT ON COLUMN research_notes.scored_at IS 'when the idea was scored; null while pending';
COMMENT ON COLUMN research_notes.created_at IS 'when the note was saved';
COMMENT ON COLUMN research_notes.updated_at IS 'when the note was last changed';
COMMENT ON COLUMN research_notes.search IS 'full-text search document: title, tags, symbol (weight A) and body (B)';
CREATE INDEX research_notes_owner ON research_notes (owner, created_at DESC, id);
CREATE INDEX research_notes_search ON research_notes USING gin (search);
CREATE INDEX research_notes_tags ON research_notes USING gin (tags);
CREATE INDEX research_notes_unscored ON research_notes (event_time) WHERE direction IS NOT NULL AND scored_at IS NULL;

CREATE TABLE watchlist_rule_targets (
  rule_id text PRIMARY KEY REFERENCES alert_rules (id) ON DELETE CASCADE,
  owner text NOT NULL,
  watchlist_id text NOT NULL,
  FOREIGN KEY (owner, watchlist_id) REFERENCES watchlists (owner, id) ON DELETE CASCADE
);
COMMENT ON TABLE watchlist_rule_targets IS 'Alert rules that target a watchlist: their symbols follow the watchlist''s (rewritten on every change of it).';
COMMENT ON COLUMN watchlist_rule_targets.rule_id IS 'alert_rules.id';
COMMENT ON COLUMN watchlist_rule_targets.owner IS 'user id owning the rule and the watchlist';
COMMENT ON COLUMN watchlist_rule_targets.watchlist_id IS 'watchlists.id whose symbols the rule watches';
CREATE INDEX watchlist_rule_targets_list ON watchlist_rule_targets (owner, watchlist_id);

GRANT SELECT ON watchlists, watchlist_items, watchlist_history, watchlist_rule_targets, research_notes
  TO nexural_analyst;
GRANT SELECT, INSERT, UPDATE, DELETE ON watchlists, watchlist_items, watchlist_history, watchlist_rule_targets,
  research_notes TO nexural_app_user;

DO $$
DECLARE
  owned text;
BEGIN
  FOREACH owned IN ARRAY ARRAY['watchlists', 'watchlist_items', 'watchlist_history', 'watchlist_rule_targets',
    'research_notes']
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
