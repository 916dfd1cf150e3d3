/**
 * Reading the files that let us talk to a Lightning node: a secret (Core Lightning rune, LND
 * macaroon) and a TLS CA certificate. A secret file must be private (like the oracle's key file);
 * no error or log ever carries a file's contents, only its path and what was wrong.
 */
import * as fs from 'node:fs';
import { KeyError } from '../core/errors.js';

/** Far above any rune, macaroon or CA bundle we expect; stops us reading a huge wrong file. */
const MAX_FILE_BYTES = 256 * 1024;

/**
 * Reads a credential file and returns its bytes. `what` names it in errors ("rune file",
 * "macaroon file"). Throws KeyError when the file is missing or unreadable, is not a regular file,
 * can be read or written by group or others (mode & 0o077), is empty, or is larger than 256 KiB.
 */
export function readSecretFile(path: string, what: string): Buffer {
  return readBoundedFile(path, what, { private: true });
}

/**
 * Reads a PEM CA certificate (bundle) for a node's TLS endpoint. It is public, so any mode is
 * accepted. Throws KeyError when the file cannot be read, is empty, too large, or holds no
 * "BEGIN CERTIFICATE" block.
 */
export function readCaFile(path: string): Buffer {
  const pem = readBoundedFile(path, 'CA file', { private: false });
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new KeyError(`CA file ${path} holds no PEM certificate (expected "-----BEGIN CERTIFICATE-----")`);
  }
  return pem;
}

function readBoundedFile(path: string, what: string, options: { private: boolean }): Buffer {
  let fd: number;
  try {
    fd = fs.openSync(path, fs.constants.O_RDONLY);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : `cannot be opened (${code ?? 'unknown error'})`;
    throw new KeyError(`${what} ${path} ${why}`);
  }
  try {
    // fstat the open descriptor, not the path: the file checked is the file read.
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw new KeyError(`${what} ${path} is not a regular file`);
    if (options.private && (stat.mode & 0o077) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
      throw new KeyError(`${what} ${path} has mode ${mode}: group or others can access it; run: chmod 600 ${path}`);
    }
    if (stat.size > MAX_FILE_BYTES) throw new KeyError(`${what} ${path} is larger than ${MAX_FILE_BYTES} bytes`);
    const buf = Buffer.alloc(MAX_FILE_BYTES + 1);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    if (n === 0) throw new KeyError(`${what} ${path} is empty`);
    if (n > MAX_FILE_BYTES) throw new KeyError(`${what} ${path} is larger than ${MAX_FILE_BYTES} bytes`);
    const contents = Buffer.from(buf.subarray(0, n));
    buf.fill(0);
    return contents;
  } finally {
    fs.closeSync(fd);
  }
}
