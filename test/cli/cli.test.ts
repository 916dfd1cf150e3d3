import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AttestationJson } from '../../src/attest/types.js';
import { childEnv } from '../support/child-env.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const vectors = JSON.parse(readFileSync(new URL('../../docs/vectors/attestations.json', import.meta.url), 'utf8')) as {
  attestation: AttestationJson;
}[];
const good = vectors[0]!.attestation;
const maximal = vectors.find((v) => v.attestation.observedAt === '18446744073709551615')!.attestation;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real executable (through tsx) with `args`, feeding `input` on stdin. */
function cli(args: string[], input = ''): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', MAIN, ...args],
      { timeout: 20_000, env: childEnv() },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      },
    );
    child.stdin?.end(input);
  });
}

describe('peer-stables CLI', function () {
  this.timeout(60_000);
  const dir = mkdtempSync(join(tmpdir(), 'ps-cli-'));

  describe('keygen', () => {
    it('writes a 0600 key file, prints only the public key, and refuses to overwrite it', async () => {
      const file = join(dir, 'keys', 'oracle.key');
      const first = await cli(['keygen', '--out', file]);
      expect(first.code).to.equal(0);
      expect(statSync(file).mode & 0o777).to.equal(0o600);
      const secret = readFileSync(file, 'utf8').trim();
      expect(first.stdout).to.match(/public key: [0-9a-f]{64}/);
      expect(first.stdout + first.stderr).to.not.contain(secret);

      const again = await cli(['keygen', '--out', file]);
      expect(again.code).to.equal(1);
      expect(again.stderr).to.match(/^peer-stables: .*already exists/);
      expect(readFileSync(file, 'utf8').trim()).to.equal(secret);

      const ifMissing = await cli(['keygen', '--out', file, '--if-missing']);
      expect(ifMissing.code).to.equal(0);
      expect(ifMissing.stdout).to.contain(first.stdout.match(/[0-9a-f]{64}/)![0]);
    });
  });

  describe('verify', () => {
    const file = join(dir, 'good.json');
    writeFileSync(file, JSON.stringify(good));

    it('accepts an attestation dated beyond what a JS Date can show', async () => {
      const run = await cli(['verify', '-', '--pubkey', maximal.publicKey], JSON.stringify(maximal));
      expect(run.stderr).to.equal('');
      expect(run.code).to.equal(0);
      expect(run.stdout).to.contain('observed 18446744073709551615 ms after the epoch');
    });

    it('accepts a valid attestation from a file and from stdin', async () => {
      for (const run of [
        await cli(['verify', file, '--pubkey', good.publicKey]),
        await cli(['verify', '-', '--pubkey', good.publicKey], JSON.stringify(good)),
      ]) {
        expect(run.code).to.equal(0);
        expect(run.stdout).to.match(/^valid index_price BTC\/USD = 67123\.45000000 \(sequence 1735689600000/);
      }
    });

    const failures: [string, () => [string[], string], RegExp][] = [
      [
        'a tampered value',
        () => [['verify', '-', '--pubkey', good.publicKey], JSON.stringify({ ...good, value: '6712345000001' })],
        /bad signature/,
      ],
      [
        'another pinned key',
        () => [['verify', '-', '--pubkey', '1'.repeat(64)], JSON.stringify(good)],
        /wrong key|bad signature/,
      ],
      [
        'a malformed pinned key',
        () => [['verify', '-', '--pubkey', 'abc'], JSON.stringify(good)],
        /--pubkey: expected 32-byte/,
      ],
      ['input that is not JSON', () => [['verify', '-', '--pubkey', good.publicKey], 'not json'], /not valid JSON/],
      [
        'a missing field',
        () => [['verify', '-', '--pubkey', good.publicKey], JSON.stringify({ ...good, signature: undefined })],
        /signature/,
      ],
      [
        'a float value',
        () => [['verify', '-', '--pubkey', good.publicKey], JSON.stringify({ ...good, value: 67123.45 })],
        /value/,
      ],
      [
        'an old quote with --max-age',
        () => [['verify', '-', '--pubkey', good.publicKey, '--max-age', '60'], JSON.stringify(good)],
        /s old, limit 60 s/,
      ],
      [
        'a missing file',
        () => [['verify', join(dir, 'nope.json'), '--pubkey', good.publicKey], ''],
        /cannot read .*ENOENT/,
      ],
      [
        'a quote dated far in the future with --max-age',
        () => [['verify', '-', '--pubkey', maximal.publicKey, '--max-age', '60'], JSON.stringify(maximal)],
        /in the future/,
      ],
    ];
    for (const [what, make, message] of failures) {
      it(`rejects ${what} with one clear line and exit 1`, async () => {
        const [args, input] = make();
        const run = await cli(args, input);
        expect(run.code).to.equal(1);
        expect(run.stderr).to.match(message);
        expect(run.stderr.trim().split('\n')).to.have.length(1);
        expect(run.stderr).to.not.match(/\n\s+at /);
      });
    }
  });
});
