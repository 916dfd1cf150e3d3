/**
 * Reading a signed figure from a Nostr relay: the `nostr:` sources of the settlement client's
 * oracle list and of `peer-stables verify`. A relay is an untrusted carrier, exactly like an HTTP
 * oracle: this only finds the newest figure event of the given author, kind and pair whose Nostr
 * signature is valid (nostr-tools checks each event), and hands its content, the attestation
 * JSON, to the same verification, freshness and replay rules as an HTTP answer. Bounded like an
 * HTTP fetch: one deadline for the whole exchange, a size cap, and a reason instead of a throw.
 * The form of a source is ./source-url.ts.
 */
import type { Event } from 'nostr-tools/pure';
import { cleanRelayText, connectRelay } from './connect.js';
import { FIGURE_KIND, figureTag } from './events.js';
import type { NostrSource } from './source-url.js';

/** Events asked for; a relay keeps one per author and tag, this leaves room for stale copies. */
const FETCH_LIMIT = 5;

export type NostrFetched = { ok: true; text: string } | { ok: false; error: string };

/**
 * The content of the newest valid figure event of `kind` and `pair` by the source's author, or why
 * there is none (unreachable, timed out, nothing valid). Never rejects.
 */
export async function fetchNostrFigure(
  source: NostrSource,
  figure: { kind: string; pair: string },
  options: { timeoutMs: number; maxBytes: number },
): Promise<NostrFetched> {
  const deadline = Date.now() + options.timeoutMs;
  let relay;
  try {
    relay = await connectRelay(source.relay, options.timeoutMs);
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
  // Only the newest is kept, and the request ends after FETCH_LIMIT events: a relay that replays
  // events (each checked by nostr-tools as it arrives) for the whole deadline costs no more.
  let newest: Event | undefined;
  let received = 0;
  let invalid = 0;
  const filter = {
    kinds: [FIGURE_KIND],
    authors: [source.author],
    '#d': [figureTag(figure.kind, figure.pair)],
    limit: FETCH_LIMIT,
  };
  const ended = await new Promise<string | null>((resolve) => {
    const timer = setTimeout(
      () => resolve(`no answer from ${source.relay} within ${options.timeoutMs} ms`),
      Math.max(1, deadline - Date.now()),
    );
    const sub = relay.subscribe([filter], {
      onevent: (event) => {
        if (newest === undefined || event.created_at > newest.created_at) newest = event;
        received += 1;
        if (received < FETCH_LIMIT) return;
        clearTimeout(timer);
        resolve(null);
        sub.close();
      },
      oninvalidevent: () => invalid++,
      oneose: () => {
        clearTimeout(timer);
        resolve(null); // first: closing calls onclose at once, and the first answer wins
        sub.close();
      },
      onclose: (reason) => {
        clearTimeout(timer);
        resolve(`relay closed the request: ${cleanRelayText(reason)}`);
      },
      eoseTimeout: options.timeoutMs,
    });
  });
  relay.close();
  if (newest === undefined) {
    const why = ended ?? `no ${figure.kind} ${figure.pair} event by ${source.author} on ${source.relay}`;
    return { ok: false, error: invalid > 0 ? `${why} (${invalid} event(s) with a bad id or signature ignored)` : why };
  }
  if (Buffer.byteLength(newest.content) > options.maxBytes)
    return { ok: false, error: `event content larger than ${options.maxBytes} bytes` };
  return { ok: true, text: newest.content };
}
