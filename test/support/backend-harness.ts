/**
 * Every LightningBackend the client can run on, each started over its fake server for one FakeNode,
 * so that one scenario (the contract suite in test/lightning/contract.test.ts, or a property over
 * the settlement round) can run against all of them alike: Core Lightning over its JSON-RPC socket
 * and over clnrest, LND over REST, and FakeNodeBackend with no API in between.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createClnRestBackend } from '../../src/lightning/cln-rest.js';
import { createClnRpcBackend } from '../../src/lightning/cln-rpc.js';
import { createLndRestBackend } from '../../src/lightning/lnd-rest.js';
import type { LightningBackend } from '../../src/lightning/types.js';
import { FakeNodeBackend } from './fake-backend.js';
import { startFakeClnRest, startFakeClnRpc } from './fake-cln.js';
import type { FakeNode } from './fake-lightning.js';
import { FAKE_LND_TLS_CERT, startFakeLnd } from './fake-lnd.js';

export interface StartedBackend {
  readonly backend: LightningBackend;
  /** Closes the backend, then its fake server. */
  close(): Promise<void>;
}

export interface BackendHarness {
  readonly name: 'cln-rpc' | 'cln-rest' | 'lnd-rest' | 'fake';
  /** Received keysends come with their records (LND, the fake) or with null (Core Lightning). */
  readonly reportsRecords: boolean;
  /**
   * The balance resolution the backend states with no HTLC in flight, and what each HTLC offered
   * by the side that did not open the channel adds to it (LND reports HTLC amounts in whole sats).
   */
  readonly resolutionMsat: bigint;
  readonly resolutionPerHtlcMsat: bigint;
  /** Starts a backend for `node`; `now` is its clock where the backend takes one (Core Lightning). */
  start(node: FakeNode, options?: { readonly now?: () => number }): Promise<StartedBackend>;
}

const RUNE = 'Q29udHJhY3Qgc3VpdGUgcnVuZSwgZm9yIHRlc3RzIG9ubHk=';

function privateFile(name: string, contents: string | Buffer): { file: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backend-harness-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, contents, { mode: 0o600 });
  return { file, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export const backendHarnesses: readonly BackendHarness[] = [
  {
    name: 'cln-rpc',
    reportsRecords: false,
    resolutionMsat: 1n,
    resolutionPerHtlcMsat: 0n,
    async start(node, options = {}) {
      const server = await startFakeClnRpc(node);
      const backend = createClnRpcBackend({ socketPath: server.socketPath, ...options });
      return { backend, close: async () => (await backend.close(), await server.close()) };
    },
  },
  {
    name: 'cln-rest',
    reportsRecords: false,
    resolutionMsat: 1n,
    resolutionPerHtlcMsat: 0n,
    async start(node, options = {}) {
      const server = await startFakeClnRest(node, { rune: RUNE });
      const rune = privateFile('rune', `${RUNE}\n`);
      const backend = createClnRestBackend({ url: server.url, runeFile: rune.file, ...options });
      return { backend, close: async () => (await backend.close(), await server.close(), rune.remove()) };
    },
  },
  {
    name: 'lnd-rest',
    reportsRecords: true,
    resolutionMsat: 1_000n,
    resolutionPerHtlcMsat: 1_000n,
    async start(node) {
      const lnd = await startFakeLnd(node);
      const macaroon = privateFile('admin.macaroon', lnd.macaroon);
      const ca = privateFile('tls.cert', FAKE_LND_TLS_CERT);
      const backend = createLndRestBackend({ url: lnd.url, macaroonFile: macaroon.file, caFile: ca.file });
      return {
        backend,
        close: async () => (await backend.close(), await lnd.close(), macaroon.remove(), ca.remove()),
      };
    },
  },
  {
    name: 'fake',
    reportsRecords: true,
    resolutionMsat: 1n,
    resolutionPerHtlcMsat: 0n,
    async start(node) {
      const backend = new FakeNodeBackend(node);
      return { backend, close: () => backend.close() };
    },
  },
];
