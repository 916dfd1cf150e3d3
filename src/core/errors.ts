/**
 * Typed errors: each failure kind has a class and a stable `code`, so callers (the HTTP layer,
 * the CLI) can act on the kind and show the message without leaking internals.
 */
export class PeerStablesError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Bad input from a user, a file, a request or an exchange: the caller can fix it. */
export class InputError extends PeerStablesError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('bad_input', message, options);
  }
}

/** Configuration that fails validation at start-up. */
export class ConfigError extends PeerStablesError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('bad_config', message, options);
  }
}

/** A key file that is missing, malformed or readable by others. The secret is never included. */
export class KeyError extends PeerStablesError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('bad_key', message, options);
  }
}

/** An attestation that does not verify: bad signature, wrong key, malformed fields. */
export class VerifyError extends PeerStablesError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('verify_failed', message, options);
  }
}
