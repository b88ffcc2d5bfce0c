/**
 * Passwords and sign-in sessions of users (sql/0015). The repository stores scrypt hashes made by the API and
 * session rows; it never sees a password.
 */

export interface SignInSession {
  readonly id: string;
  readonly owner: string;
  /** ms since epoch */
  readonly createdAt: number;
  readonly expiresAt: number;
}

export interface CredentialRepository {
  /** Creates the user with its password hash; NXR_CONFLICT when the e-mail (lower case) is taken. */
  createUserWithPassword(user: {
    readonly id: string;
    readonly email: string;
    readonly displayName: string | null;
    readonly passwordHash: string;
  }): Promise<void>;
  /** The user with this e-mail and their password hash (null hash: the user has no password yet). */
  findByEmail(
    email: string,
  ): Promise<{ readonly owner: string; readonly passwordHash: string | null } | null>;
  passwordHashOf(owner: string): Promise<string | null>;
  /** Replaces the password and ends every session of the user (a reset signs out everywhere). */
  setPassword(owner: string, passwordHash: string, at: number): Promise<void>;
  createSession(session: SignInSession): Promise<void>;
  /** The session if it exists, is not revoked and has not expired at `at`. */
  findActiveSession(id: string, at: number): Promise<SignInSession | null>;
  /** true if the owner had this active session */
  revokeSession(owner: string, id: string, at: number): Promise<boolean>;
}

/** Delivers a password-reset link (by e-mail when a mail transport is configured; printed otherwise). */
export interface PasswordResetSender {
  send(message: { readonly to: string; readonly link: string; readonly expiresAt: number }): Promise<void>;
}
