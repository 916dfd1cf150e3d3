/** Credential files for Lightning backends: private secrets, public CA files, contents never in errors. */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KeyError } from '../../src/core/errors.js';
import { readCaFile, readSecretFile } from '../../src/core/private-file.js';

const SECRET = 'c2VjcmV0IHJ1bmUgdGV4dA==';
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('core/private-file', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ln-creds-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function file(name: string, contents: string | Buffer, mode: number): string {
    const p = path.join(dir, name);
    fs.writeFileSync(p, contents);
    fs.chmodSync(p, mode);
    return p;
  }

  it('reads a private secret file byte for byte (binary macaroons too)', () => {
    const bytes = Buffer.from([0x02, 0x01, 0x00, 0xff, 0x0a]);
    expect(readSecretFile(file('admin.macaroon', bytes, 0o600), 'macaroon file')).to.deep.equal(bytes);
    expect(readSecretFile(file('rune', SECRET, 0o400), 'rune file').toString()).to.equal(SECRET);
  });

  const refused: { case: string; setup(): string; match: RegExp }[] = [
    { case: 'a missing file', setup: () => path.join(dir, 'nope'), match: /rune file .*nope does not exist/ },
    {
      case: 'a file group can read',
      setup: () => file('rune', SECRET, 0o640),
      match: /mode 0640: group or others can access it; run: chmod 600/,
    },
    { case: 'a file others can write', setup: () => file('rune', SECRET, 0o602), match: /mode 0602/ },
    {
      case: 'a folder',
      setup: () => (fs.mkdirSync(path.join(dir, 'd'), { mode: 0o700 }), path.join(dir, 'd')),
      match: /is not a regular file/,
    },
    { case: 'an empty file', setup: () => file('rune', '', 0o600), match: /is empty/ },
    { case: 'a huge file', setup: () => file('rune', Buffer.alloc(300 * 1024, 0x41), 0o600), match: /larger than/ },
  ];
  for (const row of refused) {
    it(`refuses ${row.case}, naming the file but never its contents`, () => {
      const file = row.setup();
      expect(() => readSecretFile(file, 'rune file'))
        .to.throw(KeyError)
        .with.property('message')
        .that.matches(row.match)
        .and.not.include(SECRET);
    });
  }

  it('reads a CA file whatever its mode, and refuses one without a certificate', () => {
    expect(readCaFile(file('ca.pem', PEM, 0o644)).toString()).to.equal(PEM);
    const bad = file('bad.pem', 'hello', 0o644);
    expect(() => readCaFile(bad)).to.throw(KeyError, /no PEM certificate/);
  });
});
