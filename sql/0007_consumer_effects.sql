-- The effect ledger of the consumer workers (schemas/ports/effect-ledger.ts): one row per side effect, unique
-- per consumer and effect key, so a record delivered again never repeats an effect. A row is written `started`
-- before the external call and `done` after it; a `started` row found later means the call's outcome is unknown
-- (the process died in between) and the next attempt passes the same idempotency key. Times are ms since epoch.

CREATE TABLE consumer_effects (
  consumer text NOT NULL CHECK (length(consumer) BETWEEN 1 AND 128),
  effect_key text NOT NULL CHECK (length(effect_key) BETWEEN 1 AND 512),
  seq bigserial NOT NULL,
  state text NOT NULL CHECK (state IN ('started', 'done')),
  attempts integer NOT NULL DEFAULT 1 CHECK (attempts >= 1),
  result jsonb,
  source_topic text,
  source_partition integer,
  source_offset text,
  started_at bigint NOT NULL,
  done_at bigint,
  PRIMARY KEY (consumer, effect_key)
);
CREATE INDEX consumer_effects_by_seq ON consumer_effects (consumer, seq);
COMMENT ON TABLE consumer_effects IS 'Effect ledger: each side effect of a consumer, recorded once under its effect key.';
COMMENT ON COLUMN consumer_effects.consumer IS 'consumer name (its group is nexural.consumer.<name>)';
COMMENT ON COLUMN consumer_effects.effect_key IS 'the consumer''s key of the effect, unique per consumer';
COMMENT ON COLUMN consumer_effects.seq IS 'order in which effects were first started (the effect log order)';
COMMENT ON COLUMN consumer_effects.state IS 'started: the call began, outcome unknown until done; done: recorded';
COMMENT ON COLUMN consumer_effects.attempts IS 'calls of the effect so far (more than 1 after a crash or a failure)';
COMMENT ON COLUMN consumer_effects.result IS 'what the effect returned (JSON), null until done';
COMMENT ON COLUMN consumer_effects.source_topic IS 'topic of the record that caused the effect';
COMMENT ON COLUMN consumer_effects.source_partition IS 'partition of that record';
COMMENT ON COLUMN consumer_effects.source_offset IS 'offset of that record (decimal string)';
COMMENT ON COLUMN consumer_effects.started_at IS 'first call (ms since epoch)';
COMMENT ON COLUMN consumer_effects.done_at IS 'when the result was recorded (ms since epoch), null while started';
