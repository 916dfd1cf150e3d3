import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KeyError } from '../../src/core/errors.js';
import { generateKeyFile, loadSecretKey, publicKeyOf } from '../../src/attest/keys.js';
import { bytesToHex } from './fixtures.js';

const SECRET_HEX = 'b7e151628aed2a6abf7158809cf4f3c762e7160f38b4da56a784d9045190cfef';

/** Catches the KeyError `fn` throws (failing the test if it does not) for a closer look. */
function keyErrorOf(fn: () => unknown): KeyError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(KeyError);
    return err as KeyError;
  }
  throw new Error('expected a KeyError');
}

describe('attest/keys', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attest-keys-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function writeKey(name: string, contents: string, mode: number): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, contents);
    fs.chmodSync(file, mode);
    return file;
  }

  it('generates a 0600 key file in a new 0700 folder, whose public key it returns', () => {
    const file = path.join(dir, 'nested', 'oracle.key');
    const { publicKeyHex } = generateKeyFile(file);
    expect(fs.statSync(file).mode & 0o777).to.equal(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).to.equal(0o700);
    expect(fs.readFileSync(file, 'utf8')).to.match(/^[0-9a-f]{64}\n$/);
    expect(bytesToHex(publicKeyOf(loadSecretKey(file)))).to.equal(publicKeyHex);
  });

  it('refuses to overwrite an existing key unless told to, and then replaces it with a 0600 file', () => {
    const file = writeKey('oracle.key', `${SECRET_HEX}\n`, 0o644);
    expect(() => generateKeyFile(file)).to.throw(KeyError, /already exists; refusing to overwrite it$/);
    expect(fs.readFileSync(file, 'utf8')).to.equal(`${SECRET_HEX}\n`);
    const { publicKeyHex } = generateKeyFile(file, { overwrite: true });
    expect(fs.statSync(file).mode & 0o777).to.equal(0o600);
    expect(fs.readFileSync(file, 'utf8')).not.to.include(SECRET_HEX);
    expect(bytesToHex(publicKeyOf(loadSecretKey(file)))).to.equal(publicKeyHex);
    expect(fs.readdirSync(dir)).to.deep.equal(['oracle.key']); // no temp file left behind
  });

  it('generates a different key each time', () => {
    const a = generateKeyFile(path.join(dir, 'a.key')).publicKeyHex;
    const b = generateKeyFile(path.join(dir, 'b.key')).publicKeyHex;
    expect(a).not.to.equal(b);
  });

  it('loads a 0600 key with or without a trailing newline', () => {
    expect(bytesToHex(loadSecretKey(writeKey('nl.key', `${SECRET_HEX}\n`, 0o600)))).to.equal(SECRET_HEX);
    expect(bytesToHex(loadSecretKey(writeKey('bare.key', SECRET_HEX, 0o400)))).to.equal(SECRET_HEX);
  });

  // [mode, why it is refused]
  const modes: [number, string][] = [
    [0o644, 'readable by group and others'],
    [0o640, 'readable by group'],
    [0o604, 'readable by others'],
    [0o620, 'writable by group'],
    [0o602, 'writable by others'],
  ];
  for (const [mode, why] of modes) {
    it(`refuses a key file ${why} (mode 0${mode.toString(8)}), without the secret in the message`, () => {
      const file = writeKey('loose.key', `${SECRET_HEX}\n`, mode);
      const err = keyErrorOf(() => loadSecretKey(file));
      expect(err.message)
        .to.include(`has mode 0${mode.toString(8)}`)
        .and.include('chmod 600');
      expect(err.message).not.to.include(SECRET_HEX);
    });
  }

  // [name, file contents, expected message]; the contents must never appear in the message.
  const malformed: [string, string, RegExp][] = [
    ['empty', '', /is empty$/],
    ['too short', SECRET_HEX.slice(2), /is malformed/],
    ['too long', `${SECRET_HEX}00`, /is malformed/],
    ['with a 0x prefix', `0x${SECRET_HEX}`, /is malformed/],
    ['with trailing garbage', `${SECRET_HEX}\nsecond line`, /is malformed/],
    ['zero', '00'.repeat(32), /does not hold a valid secp256k1 secret key/],
    [
      'at the curve order',
      'fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141',
      /does not hold a valid secp256k1 secret key/,
    ],
  ];
  for (const [name, contents, message] of malformed) {
    it(`refuses a key file that is ${name}, without its contents in the message`, () => {
      const err = keyErrorOf(() => loadSecretKey(writeKey('bad.key', contents, 0o600)));
      expect(err.message).to.match(message);
      if (contents.length > 0) expect(err.message).not.to.include(contents.trim().slice(0, 16));
    });
  }

  it('refuses a missing file with advice', () => {
    expect(() => loadSecretKey(path.join(dir, 'nope.key'))).to.throw(
      KeyError,
      /does not exist; create one with the keygen command$/,
    );
  });

  it('refuses a folder', () => {
    const sub = path.join(dir, 'sub');
    fs.mkdirSync(sub, { mode: 0o700 });
    expect(() => loadSecretKey(sub)).to.throw(KeyError, /is not a regular file$/);
  });

  it('publicKeyOf refuses an invalid secret without echoing it', () => {
    expect(() => publicKeyOf(new Uint8Array(32))).to.throw(KeyError, /^secret key must be 32 bytes/);
  });
});
