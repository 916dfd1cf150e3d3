/** `peer-stables keygen`: writes a new key file and returns the line to print (the public key). */
import { existsSync } from 'node:fs';
import { generateKeyFile, loadSecretKey, publicKeyOf } from '../attest/keys.js';

export function keygen(path: string, opts: { force: boolean; ifMissing: boolean }): string {
  if (opts.ifMissing && existsSync(path)) {
    const publicKey = Buffer.from(publicKeyOf(loadSecretKey(path))).toString('hex');
    return `key file ${path} already exists; public key: ${publicKey}`;
  }
  const { publicKeyHex } = generateKeyFile(path, { overwrite: opts.force });
  return `wrote ${path} (mode 0600); public key: ${publicKeyHex}`;
}
