/**
 * Reading secret files (the oracle's key, a Core Lightning rune, an LND macaroon) and TLS CA
 * certificates. A secret file must be private (like the oracle's key file);
 * no error or log ever carries a file's contents, only its path and what was wrong.
 */
import * as fs from 'node:fs';
import { KeyError } from './errors.js';

/** Far above any rune, macaroon or CA bundle we expect; stops us reading a huge wrong file. */
const MAX_FILE_BYTES = 256 * 1024;

/**
 * Reads a credential file and returns its bytes. `what` names it in errors ("rune file",
 * "macaroon file"). Throws KeyError when the file is missing or unreadable, is not a regular file,
 * can be read or written by group or others (mode & 0o077), is empty, or is larger than 256 KiB.
 */
export function readSecretFile(
  path: string,
  what: string,
  options: { maxBytes?: number; missingHint?: string } = {},
): Buffer {
  return readBoundedFile(path, what, {
    private: true,
    maxBytes: options.maxBytes ?? MAX_FILE_BYTES,
    missingHint: options.missingHint,
  });
}

/**
 * Reads a PEM CA certificate (bundle) for a node's TLS endpoint. It is public, so any mode is
 * accepted. Throws KeyError when the file cannot be read, is empty, too large, or holds no
 * "BEGIN CERTIFICATE" block.
 */
export function readCaFile(path: string): Buffer {
  const pem = readBoundedFile(path, 'CA file', { private: false, maxBytes: MAX_FILE_BYTES, missingHint: undefined });
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new KeyError(`CA file ${path} holds no PEM certificate (expected "-----BEGIN CERTIFICATE-----")`);
  }
  return pem;
}

function readBoundedFile(
  path: string,
  what: string,
  options: { private: boolean; maxBytes: number; missingHint: string | undefined },
): Buffer {
  let fd: number;
  try {
    fd = fs.openSync(path, fs.constants.O_RDONLY);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : `cannot be opened (${code ?? 'unknown error'})`;
    throw new KeyError(`${what} ${path} ${why}${options.missingHint ? `; ${options.missingHint}` : ''}`, {
      cause: err,
    });
  }
  try {
    // fstat the open descriptor, not the path: the file checked is the file read.
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw new KeyError(`${what} ${path} is not a regular file`);
    if (options.private && (stat.mode & 0o077) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
      throw new KeyError(`${what} ${path} has mode ${mode}: group or others can access it; run: chmod 600 ${path}`);
    }
    if (stat.size > options.maxBytes) throw new KeyError(`${what} ${path} is larger than ${options.maxBytes} bytes`);
    const buf = Buffer.alloc(options.maxBytes + 1);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    if (n === 0) throw new KeyError(`${what} ${path} is empty`);
    if (n > options.maxBytes) throw new KeyError(`${what} ${path} is larger than ${options.maxBytes} bytes`);
    const contents = Buffer.from(buf.subarray(0, n));
    buf.fill(0);
    return contents;
  } finally {
    fs.closeSync(fd);
  }
}
