-- Where a consumer stands in an input that is not a log partition (a fan-out channel such as the live alert
-- stream): the last delivery id it handled, saved after `handle` resolved (its effects are in consumer_effects
-- by then), as a log commits an offset. A restart resumes after it; the effect ledger makes a repeat harmless.

CREATE TABLE consumer_positions (
  consumer text NOT NULL CHECK (length(consumer) BETWEEN 1 AND 128),
  input text NOT NULL CHECK (length(input) BETWEEN 1 AND 128),
  position text NOT NULL CHECK (length(position) BETWEEN 1 AND 128),
  updated_at bigint NOT NULL,
  PRIMARY KEY (consumer, input)
);
COMMENT ON TABLE consumer_positions IS 'Resume point of each consumer in each fan-out channel input.';
COMMENT ON COLUMN consumer_positions.consumer IS 'consumer name';
COMMENT ON COLUMN consumer_positions.input IS 'the input name (e.g. alertsLive)';
COMMENT ON COLUMN consumer_positions.position IS 'last delivery id handled (<ms>-<seq>), the resume point';
COMMENT ON COLUMN consumer_positions.updated_at IS 'when it was saved (ms since epoch)';
