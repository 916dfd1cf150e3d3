/**
 * A Core Lightning node that refuses the deprecated keysend (-32601, deprecated APIs off, no
 * xkeysend): the client must not write a new intent each round and mark the last one "never
 * reached the node" (issue 10). The first refusal fails its intent with the node's words; every
 * later round stops before writing one, and says what to set.
 */
import { expect } from 'chai';
import { createClnRpcBackend } from '../../src/lightning/cln-rpc.js';
import { UNKNOWN_TO_THE_NODE } from '../../src/client/reconcile.js';
import { startFakeClnRpc } from '../support/fake-cln.js';
import { setup, usd } from './round-setup.js';

describe('client on a Core Lightning that refuses keysend', () => {
  it('never writes a phantom intent each round once the node refused keysend as deprecated', async () => {
    const w = setup();
    const server = await startFakeClnRpc(w.provider.node, { version: 'v25.09' });
    const backend = createClnRpcBackend({ socketPath: server.socketPath, now: () => w.clock.now() });
    try {
      w.provider.backend = backend;
      await w.provider.round();
      w.oracles.price = usd('99000');
      w.provider.node.nextFault = { kind: 'rpc_error', code: -32601, message: 'Command "keysend" is deprecated' };
      for (let i = 0; i < 3; i += 1) {
        w.clock.advance(5_000);
        const r = await w.provider.round();
        expect(r.action).to.equal('error');
        expect(r.reason).to.include('allow-deprecated-apis=true');
      }
      const payments = w.provider.ledger.payments(10);
      expect(payments).to.have.length(1);
      expect(payments[0]).to.include({ status: 'failed' });
      expect(payments[0]!.failure).to.include('deprecated').and.not.equal(UNKNOWN_TO_THE_NODE);
    } finally {
      await backend.close();
      await server.close();
    }
  });
});
