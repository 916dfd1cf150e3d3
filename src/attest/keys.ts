/**
 * The oracle's key file: 32 random bytes as hex, mode 0600. Loading refuses a file that group or
 * others could read or write, and no error message ever contains the file's contents.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KeyError } from '../core/errors.js';
import { readSecretFile } from '../core/private-file.js';
import { toHex } from './bytes.js';
import { isValidSecretKey, schnorr } from './schnorr.js';

const SECRET_HEX = /^[0-9a-fA-F]{64}$/;
/** More than any well-formed key file (64 hex + newline); stops us reading a huge wrong file. */
const MAX_FILE_BYTES = 256;

/** The BIP340 x-only public key (32 bytes) of `secret`. Throws KeyError for an invalid secret. */
export function publicKeyOf(secret: Uint8Array): Uint8Array {
  if (!isValidSecretKey(secret)) {
    throw new KeyError('secret key must be 32 bytes encoding a valid secp256k1 scalar');
  }
  return schnorr.getPublicKey(secret);
}

function newSecret(): Uint8Array {
  // A uniform 32-byte string is >= n with probability ~2^-128; loop rather than reduce mod n.
  for (;;) {
    const candidate = new Uint8Array(randomBytes(32));
    if (isValidSecretKey(candidate)) return candidate;
  }
}

/**
 * Writes a new random secret key as hex to `file`, mode 0600, creating missing parent folders
 * with mode 0700. Refuses to replace an existing file unless `overwrite`; a replacement is
 * written beside it and renamed over it, so the old key is never half-overwritten. Returns the
 * public key as hex. Throws KeyError on any failure.
 */
export function generateKeyFile(file: string, options: { overwrite?: boolean } = {}): { publicKeyHex: string } {
  const secret = newSecret();
  const contents = Buffer.from(`${toHex(secret)}\n`, 'ascii');
  const target = options.overwrite ? `${file}.${toHex(randomBytes(6))}.tmp` : file;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const fd = fs.openSync(target, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
    try {
      fs.fchmodSync(fd, 0o600); // the mode given to open() is filtered by umask; be explicit
      fs.writeSync(fd, contents);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    if (target !== file) fs.renameSync(target, file);
  } catch (err) {
    if (target !== file) fs.rmSync(target, { force: true });
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      throw new KeyError(`key file ${file} already exists; refusing to overwrite it`);
    }
    throw new KeyError(`cannot write key file ${file}: ${code ?? 'unknown error'}`, { cause: err });
  } finally {
    secret.fill(0);
    contents.fill(0);
  }
  return { publicKeyHex: toHex(publicKeyOf(loadSecretKey(file))) };
}

/**
 * Reads the secret key from `file`. Throws KeyError when the file is missing or unreadable, is
 * not a regular file, is readable or writable by group or others (mode & 0o077), is not 64 hex
 * characters (optionally followed by a newline), or is not a valid secp256k1 secret key.
 */
export function loadSecretKey(file: string): Uint8Array {
  const contents = readSecretFile(file, 'key file', {
    maxBytes: MAX_FILE_BYTES,
    missingHint: 'create one with the keygen command',
  });
  const text = contents.toString('latin1');
  contents.fill(0);
  const trimmed = text.replace(/\r?\n$/, '');
  if (!SECRET_HEX.test(trimmed)) {
    throw new KeyError(`key file ${file} is malformed: expected 64 hex characters (a 32-byte secret key)`);
  }
  const secret = new Uint8Array(Buffer.from(trimmed, 'hex'));
  if (!isValidSecretKey(secret)) {
    throw new KeyError(
      `key file ${file} does not hold a valid secp256k1 secret key (zero or not below the curve order)`,
    );
  }
  return secret;
}
