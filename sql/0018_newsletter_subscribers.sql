-- Newsletter subscribers with double opt-in: a sign-up is `pending` until the address confirms with the token
-- mailed to it; only `active` subscribers receive editions; an unsubscribe keeps the row (`unsubscribed`) so a
-- later sign-up starts a new opt-in instead of silently resuming.

CREATE TABLE newsletter_subscribers (
  email text PRIMARY KEY CHECK (email = lower(email)),
  status text NOT NULL CHECK (status IN ('pending', 'active', 'unsubscribed')),
  confirm_token_hash text,
  created_at timestamptz NOT NULL DEFAULT now(),
  confirmed_at timestamptz,
  unsubscribed_at timestamptz
);
COMMENT ON TABLE newsletter_subscribers IS 'Newsletter subscribers (double opt-in): pending until confirmed, active, or unsubscribed.';
COMMENT ON COLUMN newsletter_subscribers.email IS 'subscriber address, lowercase';
COMMENT ON COLUMN newsletter_subscribers.status IS 'pending (opt-in mail sent), active (receives editions) or unsubscribed';
COMMENT ON COLUMN newsletter_subscribers.confirm_token_hash IS 'SHA-256 (hex) of the opt-in token while pending; null once used';
COMMENT ON COLUMN newsletter_subscribers.created_at IS 'when the address last signed up';
COMMENT ON COLUMN newsletter_subscribers.confirmed_at IS 'when the address confirmed (opt-in completed)';
COMMENT ON COLUMN newsletter_subscribers.unsubscribed_at IS 'when the address unsubscribed';
CREATE INDEX newsletter_subscribers_active ON newsletter_subscribers (status, email);
