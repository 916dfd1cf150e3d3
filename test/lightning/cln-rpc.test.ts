/** The unix socket transport: framing of lightningd's answers and failures of the socket itself. */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ClnError } from '../../src/lightning/cln-wire.js';
import { createClnRpcBackend, JsonObjectSplitter } from '../../src/lightning/cln-rpc.js';

async function rejectionOf(promise: Promise<unknown>): Promise<ClnError> {
  const err = await promise.then(
    () => expect.fail('expected a rejection'),
    (e: unknown) => e,
  );
  expect(err).to.be.instanceOf(ClnError);
  return err as ClnError;
}

describe('lightning/cln-rpc', () => {
  describe('JsonObjectSplitter', () => {
    const cases: { case: string; chunks: string[]; objects: string[] }[] = [
      { case: 'one object in one chunk', chunks: ['{"a":1}'], objects: ['{"a":1}'] },
      {
        case: 'lightningd framing: objects followed by blank lines',
        chunks: ['{"a":1}\n\n{"b":2}\n\n'],
        objects: ['{"a":1}', '{"b":2}'],
      },
      {
        case: 'an object cut across chunks',
        chunks: ['{"a":{"b"', ':[1,2]}', '}\n\n'],
        objects: ['{"a":{"b":[1,2]}}'],
      },
      { case: 'braces and quotes inside strings', chunks: ['{"m":"a } \\" {"', '}'], objects: ['{"m":"a } \\" {"}'] },
      { case: 'an escaped backslash before a closing quote', chunks: ['{"m":"\\\\"}'], objects: ['{"m":"\\\\"}'] },
      { case: 'an unfinished object', chunks: ['{"a":'], objects: [] },
    ];
    for (const row of cases) {
      it(`splits ${row.case}`, () => {
        const splitter = new JsonObjectSplitter(1000);
        expect(row.chunks.flatMap((c) => splitter.push(c))).to.deep.equal(row.objects);
      });
    }

    it('refuses a stream that does not start an object, and an object past the limit', () => {
      expect(() => new JsonObjectSplitter(1000).push('[1]')).to.throw(/expected a JSON object/);
      expect(() => new JsonObjectSplitter(10).push('{"a":"0123456789"')).to.throw(/exceeds 10/);
    });
  });

  describe('socket failures', () => {
    let dir: string;
    let server: net.Server | null = null;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cln-rpc-'));
    });
    afterEach(async () => {
      if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
      server = null;
      fs.rmSync(dir, { recursive: true, force: true });
    });

    /** A socket server whose every connection is handled by `onRequest`. */
    async function serve(
      onRequest: (socket: net.Socket, request: { id: unknown; method: string }) => void,
    ): Promise<string> {
      const socketPath = path.join(dir, 'lightning-rpc');
      server = net.createServer((socket) => {
        const splitter = new JsonObjectSplitter(10_000);
        socket.setEncoding('utf8');
        socket.on('data', (chunk: string) =>
          splitter.push(chunk).forEach((t) => onRequest(socket, JSON.parse(t) as { id: unknown; method: string })),
        );
      });
      await new Promise<void>((resolve) => server!.listen(socketPath, resolve));
      return socketPath;
    }

    it('rejects as unavailable when the socket does not exist', async () => {
      const backend = createClnRpcBackend({ socketPath: path.join(dir, 'missing') });
      const err = await rejectionOf(backend.getNodeId());
      expect(err).to.include({ kind: 'unavailable', code: 'cln_unavailable' });
      expect(err.message).to.include('ENOENT');
    });

    it('rejects as a timeout when lightningd never answers', async () => {
      const socketPath = await serve(() => undefined);
      const backend = createClnRpcBackend({ socketPath, timeoutMs: 50 });
      expect(await rejectionOf(backend.getNodeId())).to.include({ kind: 'timeout' });
    });

    it('rejects when lightningd hangs up without answering', async () => {
      const socketPath = await serve((socket) => socket.end());
      const backend = createClnRpcBackend({ socketPath });
      expect(await rejectionOf(backend.getNodeId())).to.include({ kind: 'unavailable' });
    });

    it('skips notifications and answers for other ids, and takes the answer split over writes', async () => {
      const socketPath = await serve((socket, req) => {
        socket.write(
          '{"jsonrpc":"2.0","method":"log","params":{"level":"info"}}\n\n{"jsonrpc":"2.0","id":"other","result":{}}\n\n',
        );
        const answer = JSON.stringify({ jsonrpc: '2.0', id: req.id, result: { id: `02${'ab'.repeat(32)}` } });
        socket.write(answer.slice(0, 20));
        setTimeout(() => socket.write(`${answer.slice(20)}\n\n`), 10);
      });
      const backend = createClnRpcBackend({ socketPath });
      expect(await backend.getNodeId()).to.equal(`02${'ab'.repeat(32)}`);
    });

    const badAnswers: { case: string; body: (id: unknown) => string; kind: string }[] = [
      {
        case: 'a result in the wrong shape',
        body: (id) => JSON.stringify({ jsonrpc: '2.0', id, result: { id: 'not-a-node-id' } }),
        kind: 'bad_response',
      },
      { case: 'neither result nor error', body: (id) => JSON.stringify({ jsonrpc: '2.0', id }), kind: 'bad_response' },
      { case: 'malformed JSON', body: () => '{"jsonrpc":2.0,,}', kind: 'bad_response' },
      {
        case: 'an error object',
        body: (id) =>
          JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32601, message: "Unknown command 'getinfo'" } }),
        kind: 'rpc',
      },
    ];
    for (const row of badAnswers) {
      it(`rejects ${row.case} as ${row.kind}`, async () => {
        const socketPath = await serve((socket, req) => socket.write(`${row.body(req.id)}\n\n`));
        const backend = createClnRpcBackend({ socketPath });
        expect(await rejectionOf(backend.getNodeId())).to.include({ kind: row.kind });
      });
    }
  });
});
