/** The clnrest transport: the rune, clnrest's HTTP error shapes, TLS with a configured CA, and the URL rules. */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, KeyError } from '../../src/core/errors.js';
import { ClnError } from '../../src/lightning/cln-wire.js';
import { createClnRestBackend } from '../../src/lightning/cln-rest.js';
import { startFakeClnRest } from '../support/fake-cln.js';
import { FakeLightningNetwork, type FakeNode } from '../support/fake-lightning.js';

const RUNE = 'Qm9iJ3MgcnVuZSwgZm9yIHRlc3RzIG9ubHk9PQ==';
const OTHER_RUNE = 'T3RoZXIgcnVuZSwgbm90IGRlcml2ZWQgZnJvbSBtYXN0ZXI=';

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => expect.fail('expected a rejection'),
    (e: unknown) => e as Error,
  );
}

describe('lightning/cln-rest', () => {
  let dir: string;
  let node: FakeNode;
  const closers: (() => Promise<void>)[] = [];

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cln-rest-'));
    node = new FakeLightningNetwork().addNode('alice');
  });
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function file(name: string, contents: string, mode = 0o600): string {
    const p = path.join(dir, name);
    fs.writeFileSync(p, contents);
    fs.chmodSync(p, mode);
    return p;
  }

  async function fake(options: Parameters<typeof startFakeClnRest>[1]) {
    const server = await startFakeClnRest(node, options);
    closers.push(() => server.close());
    return server;
  }

  it('sends the rune in the Rune header and reads the 201 answer', async () => {
    const server = await fake({ rune: RUNE });
    const backend = createClnRestBackend({ url: server.url, runeFile: file('rune', `${RUNE}\n`) });
    closers.push(() => backend.close());
    expect(await backend.getNodeId()).to.equal(node.id);
    expect(server.runeHeaders).to.deep.equal([RUNE]);
  });

  const refusals: { case: string; rune: string; allowed?: string[]; status: number; code: number }[] = [
    { case: 'a rune not derived from the node master secret', rune: OTHER_RUNE, status: 401, code: 1501 },
    {
      case: 'a rune whose restrictions forbid the method',
      rune: RUNE,
      allowed: ['listpeerchannels'],
      status: 401,
      code: 1502,
    },
  ];
  for (const row of refusals) {
    it(`rejects ${row.case} as unauthorized, without the rune text`, async () => {
      const server = await fake({ rune: RUNE, ...(row.allowed ? { allowedMethods: row.allowed } : {}) });
      const backend = createClnRestBackend({ url: server.url, runeFile: file('rune', row.rune) });
      closers.push(() => backend.close());
      const err = await rejectionOf(backend.getNodeId());
      expect(err).to.be.instanceOf(ClnError);
      expect(err).to.include({ kind: 'unauthorized', code: 'cln_unauthorized', rpcCode: row.code });
      expect(err.message).to.include(`HTTP ${row.status}`).and.include('getinfo');
      expect(err.message).to.not.include(row.rune).and.not.include(RUNE);
    });
  }

  it("maps an RPC error in clnrest's HTTP 500 body to a ClnError with lightningd's code", async () => {
    const server = await fake({ rune: RUNE });
    const backend = createClnRestBackend({ url: server.url, runeFile: file('rune', RUNE) });
    closers.push(() => backend.close());
    node.nextFault = { kind: 'rpc_error', code: -32602, message: 'extratlvs: should be an object' };
    const destination = new FakeLightningNetwork().addNode('bob').id;
    const err = await rejectionOf(
      backend.keysend({
        destination,
        amountMsat: 1000n,
        maxFeeMsat: 10n,
        preimage: '00'.repeat(32),
        customRecords: {},
        label: 'x',
        timeoutMs: 1000,
      }),
    );
    expect(err).to.include({ kind: 'rpc', rpcCode: -32602 });
    expect(err.message).to.include('HTTP 500');
  });

  it('rejects as unavailable when nothing listens', async () => {
    const server = await fake({ rune: RUNE });
    await server.close();
    closers.pop();
    const backend = createClnRestBackend({ url: server.url, runeFile: file('rune', RUNE) });
    expect(await rejectionOf(backend.getNodeId())).to.include({ kind: 'unavailable' });
  });

  describe('TLS', () => {
    let key: string;
    let cert: string;
    before(function () {
      try {
        execFileSync('openssl', ['version'], { stdio: 'ignore' });
      } catch {
        this.skip();
      }
    });
    beforeEach(() => {
      key = path.join(dir, 'server.key');
      cert = path.join(dir, 'server.pem');
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-keyout',
          key,
          '-out',
          cert,
          '-days',
          '1',
          '-subj',
          '/CN=cln',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
        ],
        { stdio: 'ignore' },
      );
    });

    it("trusts the node's self-signed certificate through the configured CA file", async () => {
      const server = await fake({ rune: RUNE, tls: { key: fs.readFileSync(key), cert: fs.readFileSync(cert) } });
      expect(server.url).to.match(/^https:/);
      const backend = createClnRestBackend({ url: server.url, runeFile: file('rune', RUNE), caFile: cert });
      closers.push(() => backend.close());
      expect(await backend.getNodeId()).to.equal(node.id);
    });

    it('refuses the self-signed certificate without the CA file, before sending the rune', async () => {
      const server = await fake({ rune: RUNE, tls: { key: fs.readFileSync(key), cert: fs.readFileSync(cert) } });
      const backend = createClnRestBackend({ url: server.url, runeFile: file('rune', RUNE) });
      closers.push(() => backend.close());
      const err = await rejectionOf(backend.getNodeId());
      expect(err).to.include({ kind: 'unavailable' });
      expect(err.message).to.match(/SELF_SIGNED|UNABLE_TO_VERIFY/);
      expect(server.runeHeaders).to.deep.equal([]);
    });
  });

  const badSetups: {
    case: string;
    url?: string;
    rune?: string;
    mode?: number;
    ca?: string;
    error: typeof ConfigError | typeof KeyError;
    match: RegExp;
  }[] = [
    {
      case: 'plain http to a remote host',
      url: 'http://node.example:3010',
      error: ConfigError,
      match: /must be https/,
    },
    {
      case: 'credentials in the url',
      url: 'https://user:pw@node.example:3010',
      error: ConfigError,
      match: /credentials/,
    },
    { case: 'not a url', url: 'node:3010', error: ConfigError, match: /must be https/ },
    { case: 'a rune file others can read', mode: 0o644, error: KeyError, match: /mode 0644.*chmod 600/ },
    {
      case: 'a rune file that holds no rune',
      rune: 'not a rune!\nsecond line',
      error: KeyError,
      match: /does not hold a rune/,
    },
    { case: 'a CA file without a certificate', ca: 'hello', error: KeyError, match: /no PEM certificate/ },
  ];
  for (const row of badSetups) {
    it(`refuses ${row.case} at start, never showing the file's contents`, () => {
      const runeFile = file('rune', row.rune ?? RUNE, row.mode ?? 0o600);
      const caFile = row.ca === undefined ? undefined : file('ca.pem', row.ca, 0o644);
      let caught: unknown;
      try {
        createClnRestBackend({ url: row.url ?? 'https://127.0.0.1:3010', runeFile, ...(caFile ? { caFile } : {}) });
      } catch (err) {
        caught = err;
      }
      expect(caught).to.be.instanceOf(row.error);
      expect((caught as Error).message)
        .to.match(row.match)
        .and.not.include(RUNE)
        .and.not.include('not a rune');
    });
  }
});
