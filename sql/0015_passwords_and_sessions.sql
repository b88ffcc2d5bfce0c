-- Sign-in with e-mail and password: one scrypt hash per user (never the password) and the sessions a sign-in
-- opens. A password reset replaces the hash and ends every session of the user; the reset link itself is
-- stateless (HMAC-signed, expiring, bound to the hash it replaces, so it works once).

CREATE TABLE user_passwords (
  owner text PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  password_hash text NOT NULL CHECK (password_hash LIKE 'scrypt$%'),
  updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE user_passwords IS 'Password of each user as an scrypt hash with its parameters (scrypt$N$r$p$salt$key).';
COMMENT ON COLUMN user_passwords.owner IS 'user id';
COMMENT ON COLUMN user_passwords.password_hash IS 'scrypt$N$r$p$salt$key, salt and key base64url';
COMMENT ON COLUMN user_passwords.updated_at IS 'when the password was last set';

CREATE TABLE user_sessions (
  id text PRIMARY KEY,
  owner text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  CHECK (expires_at > created_at)
);
COMMENT ON TABLE user_sessions IS 'Sign-in sessions: a session token is valid while its row is neither expired nor revoked.';
COMMENT ON COLUMN user_sessions.id IS 'session id (ses_…), named by the session token';
COMMENT ON COLUMN user_sessions.owner IS 'user id';
COMMENT ON COLUMN user_sessions.created_at IS 'when the user signed in';
COMMENT ON COLUMN user_sessions.expires_at IS 'when the session ends';
COMMENT ON COLUMN user_sessions.revoked_at IS 'when the user signed out (or a password reset ended it); null while valid';
CREATE INDEX user_sessions_owner ON user_sessions (owner, created_at DESC);

-- Analysts see their sessions (not the hashes, which no grant exposes).
GRANT SELECT ON user_sessions TO nexural_analyst, nexural_app_user;
ALTER TABLE user_sessions ENABLE ROW LEVEL SECURITY;
CREATE POLICY analyst_own_rows ON user_sessions FOR SELECT TO nexural_analyst
  USING (owner = nexural_login_user_id(current_user));
CREATE POLICY app_user_own_rows ON user_sessions FOR SELECT TO nexural_app_user
  USING (owner = current_setting('nexural.user_id', true));
COMMENT ON POLICY analyst_own_rows ON user_sessions IS 'an analyst login sees only its own sessions';
COMMENT ON POLICY app_user_own_rows ON user_sessions IS 'a request reads only the sessions of nexural.user_id';
ALTER TABLE user_passwords ENABLE ROW LEVEL SECURITY;
COMMENT ON TABLE user_passwords IS 'Password of each user as an scrypt hash with its parameters (scrypt$N$r$p$salt$key); no role but the owner of the table reads it.';
