/**
 * One place that opens a relay connection with nostr-tools: Node 20 has no global WebSocket, so
 * the `ws` package is passed in; every event a relay sends is checked (id and signature) by
 * nostr-tools' verifyEvent before anyone sees it; what is not a relay message is dropped before
 * nostr-tools parses it; NOTICE text is cleaned and capped, and a message larger than
 * MAX_RELAY_MESSAGE_BYTES closes the connection, since a relay is untrusted. Reconnecting is the
 * caller's (with its own backoff), never automatic.
 */
import { AbstractRelay } from 'nostr-tools/abstract-relay';
import { verifyEvent } from 'nostr-tools/pure';
import { WebSocket } from 'ws';

/**
 * The largest message taken from a relay. Ours are about a kilobyte (a figure, a DLC message of
 * 20 digits); without a cap `ws` would take 100 MiB from a hostile relay before anyone looked.
 */
export const MAX_RELAY_MESSAGE_BYTES = 256 * 1024;

/** `ws` with the message cap; nostr-tools constructs it with the URL alone. */
class CappedWebSocket extends WebSocket {
  constructor(url: string, protocols?: string | string[]) {
    super(url, protocols, { maxPayload: MAX_RELAY_MESSAGE_BYTES });
  }
}

/** Printable ASCII, at most 200 characters: a relay's text must not forge or flood log lines. */
export function cleanRelayText(text: unknown): string {
  const printable = String(text).replace(/[^\x20-\x7e]/g, '?');
  return printable.length > 200 ? `${printable.slice(0, 200)}...` : printable;
}

/** Whether `data` is a JSON array led by a string, the shape of every NIP-01 relay message. */
function isRelayMessage(data: unknown): boolean {
  if (typeof data !== 'string' || !data.startsWith('[')) return false;
  try {
    const parsed: unknown = JSON.parse(data);
    return Array.isArray(parsed) && typeof parsed[0] === 'string' && (parsed[0] !== 'EVENT' || parsed.length === 3);
  } catch {
    return false;
  }
}

/** nostr-tools' relay, but what is not a relay message is counted and dropped before it is parsed. */
class CheckedRelay extends AbstractRelay {
  ongarbage: () => void = () => undefined;

  override _onmessage(ev: { data: unknown }): void {
    if (isRelayMessage(ev.data)) super._onmessage(ev as Parameters<AbstractRelay['_onmessage']>[0]);
    else this.ongarbage();
  }
}

/** What a caller may want to hear of a connection: NOTICE text (cleaned), and each garbage message dropped. */
export interface RelayHooks {
  readonly notice?: (text: string) => void;
  readonly garbage?: () => void;
}

/** Connects to `url` within `timeoutMs`; throws Error naming the relay when it cannot. */
export async function connectRelay(url: string, timeoutMs: number, hooks: RelayHooks = {}): Promise<AbstractRelay> {
  const relay = new CheckedRelay(url, {
    verifyEvent,
    websocketImplementation: CappedWebSocket as unknown as typeof globalThis.WebSocket,
    enableReconnect: false,
  });
  relay.ongarbage = hooks.garbage ?? (() => undefined);
  relay.onnotice = (message) => hooks.notice?.(cleanRelayText(message));
  try {
    await relay.connect({ timeout: timeoutMs });
  } catch (err) {
    relay.close();
    throw new Error(`cannot connect to ${url}: ${cleanRelayText(err instanceof Error ? err.message : err)}`);
  }
  return relay;
}
