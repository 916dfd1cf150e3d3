/**
 * A real Nostr relay on loopback for the tests: @nostr-relay/core (the relay engine of the
 * nostr-relay project) storing events in its SQLite event repository and checking every message
 * with its validator, served over `ws` as that project's own README wires it. Faults are the
 * relay's own plugin hooks (refuse with `OK false`, answer late, never answer) or the socket
 * (drop every connection, send garbage, stop and start again on the same port).
 */
import { createServer } from 'node:net';
import { NostrRelay } from '@nostr-relay/core';
import { EventRepositorySqlite } from '@nostr-relay/event-repository-sqlite';
import { Validator } from '@nostr-relay/validator';
import type { BeforeHandleEventPlugin, Event, HandleMessagePlugin, IncomingMessage } from '@nostr-relay/common';
import { WebSocketServer, type WebSocket } from 'ws';

/** How the relay treats each EVENT it is sent. */
export type RelayMode =
  | { readonly kind: 'accept' }
  | { readonly kind: 'refuse'; readonly message: string }
  | { readonly kind: 'slow'; readonly delayMs: number }
  | { readonly kind: 'silent' }
  /** Drops the connection on every EVENT, before answering it. */
  | { readonly kind: 'hangup' };

export interface TestRelay {
  readonly url: string;
  readonly port: number;
  mode: RelayMode;
  /** Every EVENT message that reached the relay, in order (accepted or not). */
  readonly received: Event[];
  /** Stored events matching `filter`, as a client's REQ would get them. */
  find(filter: Record<string, unknown>): Promise<Event[]>;
  /** Stores `event` as is, without any check: what a hostile relay could serve. */
  plant(event: Event): Promise<void>;
  dropConnections(): void;
  sendGarbage(text: string): void;
  stop(): Promise<void>;
}

/** A free loopback port, so a relay can be started later (or again) where a client expects it. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startRelay(port = 0): Promise<TestRelay> {
  const repository = new EventRepositorySqlite(':memory:');
  await repository.init();
  const relay = new NostrRelay(repository, { logLevel: 3, eventHandlingResultCacheTtl: 0, filterResultCacheTtl: 0 });
  const validator = new Validator();
  const sockets = new Set<WebSocket>();
  const state: { mode: RelayMode } = { mode: { kind: 'accept' } };
  const received: Event[] = [];
  const faults: HandleMessagePlugin = {
    async handleMessage(_ctx, message: IncomingMessage, next) {
      if (message[0] !== 'EVENT') return next();
      received.push(message[1]);
      const mode = state.mode;
      if (mode.kind === 'silent') return new Promise(() => undefined);
      if (mode.kind === 'hangup') {
        for (const s of sockets) s.terminate();
        return new Promise(() => undefined);
      }
      if (mode.kind === 'slow') await new Promise((r) => setTimeout(r, mode.delayMs));
      return next();
    },
  };
  // The relay's own guard hook: it answers OK false with this message.
  const guard: BeforeHandleEventPlugin = {
    beforeHandleEvent: () =>
      state.mode.kind === 'refuse' ? { canHandle: false, message: state.mode.message } : { canHandle: true },
  };
  relay.register(faults).register(guard);
  const wss = new WebSocketServer({ host: '127.0.0.1', port });
  wss.on('connection', (ws) => {
    sockets.add(ws);
    relay.handleConnection(ws as never);
    ws.on('message', async (data) => {
      try {
        await relay.handleMessage(ws as never, await validator.validateIncomingMessage(data as never));
      } catch (err) {
        ws.send(JSON.stringify(['NOTICE', `invalid: ${(err as Error).message}`]));
      }
    });
    ws.on('close', () => {
      sockets.delete(ws);
      relay.handleDisconnect(ws as never);
    });
  });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const bound = (wss.address() as { port: number }).port;
  return {
    url: `ws://127.0.0.1:${bound}`,
    port: bound,
    get mode() {
      return state.mode;
    },
    set mode(mode: RelayMode) {
      state.mode = mode;
    },
    received,
    find: (filter) => relay.findEvents([filter as never]),
    plant: async (event) => {
      await repository.upsert(event);
    },
    dropConnections: () => {
      for (const ws of sockets) ws.terminate();
    },
    sendGarbage: (text) => {
      for (const ws of sockets) ws.send(text);
    },
    stop: async () => {
      for (const ws of sockets) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await relay.destroy();
      await repository.destroy();
    },
  };
}
