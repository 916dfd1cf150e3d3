/**
 * Reading quotes from a Nostr relay (`nostr:` oracles of the settlement client, `peer-stables
 * verify nostr:...`), against a real relay on loopback. The relay is an untrusted carrier: a quote
 * taken from it passes exactly the checks of an HTTP answer (oracle signature, kind, pair,
 * freshness, replay), an event whose Nostr id or signature does not hold is ignored, and an event
 * the Nostr key did sign is still refused when the attestation inside is not the oracle's.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finalizeEvent, type Event } from 'nostr-tools/pure';
import { npubEncode } from 'nostr-tools/nip19';
import { toJson } from '../../src/attest/json.js';
import { publicKeyOf } from '../../src/attest/keys.js';
import { signAttestation } from '../../src/attest/sign.js';
import type { AttestationJson, AttestationKind } from '../../src/attest/types.js';
import { verifyCommand } from '../../src/cli/verify.js';
import { parseClientConfig } from '../../src/client/config.js';
import { fetchQuotes } from '../../src/client/fetch-quotes.js';
import { selectQuotes } from '../../src/client/quotes.js';
import type { OracleEndpoint, QuoteRules } from '../../src/client/types.js';
import { ConfigError, InputError, VerifyError } from '../../src/core/errors.js';
import { figureEvent } from '../../src/nostr/events.js';
import { fetchNostrFigure } from '../../src/nostr/source.js';
import { isNostrSource, parseNostrSource } from '../../src/nostr/source-url.js';
import { publish } from '../../src/oracle/publish.js';
import { WebSocketServer } from 'ws';
import { freePort, startRelay, type TestRelay } from '../support/nostr-relay.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
// Test-only keys.
const ORACLE_SECRET = new Uint8Array(32).fill(0x21);
const NOSTR_SECRET = new Uint8Array(32).fill(0x22);
const OTHER_SECRET = new Uint8Array(32).fill(0x23);
const ORACLE_KEY = hex(publicKeyOf(ORACLE_SECRET));
const NOSTR_KEY = hex(publicKeyOf(NOSTR_SECRET));
const NOW = 1_780_000_000_000;
const RULES: QuoteRules = {
  kind: 'index_price',
  pair: 'BTC/USD',
  maxAgeMs: 60_000,
  threshold: 1,
  maxSpreadBps: 50,
  exponent: -8,
};

/** A figure as the oracle signs it, `ageMs` before NOW. */
function figure(ageMs: number, kind: AttestationKind = 'index_price', value = 9_700_000_000_000n): AttestationJson {
  const at = BigInt(NOW - ageMs);
  return toJson(
    signAttestation(
      {
        version: 1,
        kind,
        pair: 'BTC/USD',
        value,
        exponent: -8,
        observedAt: at,
        sequence: at,
        sourceCount: 3,
        dispersionPpm: 10,
        sourcesCommitment: new Uint8Array(32).fill(7),
      },
      ORACLE_SECRET,
    ),
  );
}

/** The Nostr event the oracle's publisher makes for `json`, signed by `secret`. */
const published = (json: AttestationJson, secret = NOSTR_SECRET): Event =>
  finalizeEvent({ ...figureEvent(publish(json)) }, secret);

describe('nostr/source: quotes read from a relay', function () {
  this.timeout(30_000);
  let relay: TestRelay;
  let oracle: OracleEndpoint;
  beforeEach(async () => {
    relay = await startRelay();
    oracle = { url: `nostr:${relay.url}#${NOSTR_KEY}`, publicKey: ORACLE_KEY };
  });
  afterEach(() => relay.stop());

  const select = async (path: '/price' | '/funding' = '/price', rules = RULES, last: bigint | null = null) => {
    const fetched = await fetchQuotes([oracle], path, { timeoutMs: 5_000 });
    return {
      fetched,
      selection: selectQuotes({ oracles: [oracle], fetched, rules, now: NOW, lastSequence: () => last }),
    };
  };

  it('a client takes the newest quote of the oracle from the relay and verifies it with the oracle key', async () => {
    const older = figure(20_000);
    const newer = figure(2_000, 'index_price', 9_712_300_000_000n);
    await relay.plant(published(older));
    await relay.plant(published(newer));
    const { selection } = await select();
    expect(selection.ok).to.equal(true);
    if (!selection.ok) return;
    expect(selection.value).to.equal(9_712_300_000_000n);
    expect(toJson(selection.accepted[0]!)).to.deep.equal(newer);
  });

  it('reads the funding rate from its own tag, never the index', async () => {
    await relay.plant(published(figure(1_000)));
    await relay.plant(published(figure(1_000, 'funding_rate', 83n)));
    const { fetched } = await select('/funding');
    expect(fetched[0]).to.deep.include({ ok: true });
    expect((fetched[0] as { body: AttestationJson }).body.kind).to.equal('funding_rate');
  });

  it('reads the funding index from its own tag, and never answers a history request as if it were one', async () => {
    await relay.plant(published(figure(1_000, 'funding_rate', 83n)));
    await relay.plant(published(figure(1_000, 'funding_index', 4_100n)));
    const [latest] = await fetchQuotes([oracle], '/funding-index', { timeoutMs: 5_000 });
    expect((latest as { body: AttestationJson }).body).to.deep.include({ kind: 'funding_index', value: '4100' });
    const [history] = await fetchQuotes([oracle], '/history?kind=funding_index&from=0&limit=1', { timeoutMs: 5_000 });
    expect(history).to.deep.equal({
      ok: false,
      error: 'a relay carries only the newest figures, not /history?kind=funding_index&from=0&limit=1',
    });
  });

  it('never accepts an event whose content was changed after the Nostr key signed it', async () => {
    const genuine = published(figure(1_000));
    const forged = JSON.parse(genuine.content) as AttestationJson;
    await relay.plant({ ...genuine, content: JSON.stringify({ ...forged, value: '1' }) });
    const { fetched, selection } = await select();
    expect(fetched[0]).to.deep.equal({
      ok: false,
      error:
        `no index_price BTC/USD event by ${NOSTR_KEY} on ${relay.url} ` +
        '(1 event(s) with a bad id or signature ignored)',
    });
    expect(selection.ok).to.equal(false);
  });

  it('never accepts a quote the Nostr key signed but the oracle key did not: it is trusted for nothing', async () => {
    const genuine = figure(1_000);
    const tampered = { ...genuine, value: (BigInt(genuine.value) + 1n).toString() };
    await relay.plant(finalizeEvent({ ...figureEvent(publish(tampered)) }, NOSTR_SECRET));
    const { selection } = await select();
    expect(selection.ok).to.equal(false);
    expect(selection.checks[0]!.reason).to.match(/^invalid attestation: .*signature/);
  });

  it('ignores an event of another author, even one carrying a genuine newer quote', async () => {
    await relay.plant(published(figure(30_000)));
    await relay.plant(published(figure(1_000, 'index_price', 1n), OTHER_SECRET));
    const { selection } = await select();
    expect(selection.ok).to.equal(true);
    if (selection.ok) expect(selection.accepted[0]!.sequence).to.equal(BigInt(NOW - 30_000));
  });

  it('applies the same freshness and replay rules as to an HTTP answer', async () => {
    const stale = figure(120_000);
    await relay.plant(published(stale));
    expect((await select()).selection.checks[0]!.reason).to.equal('quote is 120000 ms old, limit 60000 ms');
    const fresh = figure(1_000);
    await relay.plant(published(fresh));
    const replay = await select('/price', RULES, BigInt(fresh.sequence));
    expect(replay.selection.checks[0]!.reason).to.match(/is not above the last accepted .* \(replayed\)$/);
  });

  it('says why when the relay has nothing, or is down, and never throws', async () => {
    expect((await select()).fetched[0]).to.deep.equal({
      ok: false,
      error: `no index_price BTC/USD event by ${NOSTR_KEY} on ${relay.url}`,
    });
    const down = `ws://127.0.0.1:${await freePort()}`;
    oracle = { url: `nostr:${down}#${NOSTR_KEY}`, publicKey: ORACLE_KEY };
    const fetched = (await select()).fetched[0]!;
    expect(fetched.ok).to.equal(false);
    if (!fetched.ok) expect(fetched.error).to.match(new RegExp(`^cannot connect to ${down}`));
  });

  it('never reads more than a few events from a relay that replays them for the whole deadline', async () => {
    // A hostile relay: answers every request with one genuine event, again and again, and never EOSE.
    const event = published(figure(1_000));
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => wss.once('listening', resolve));
    let sent = 0;
    let closed = false;
    wss.on('connection', (ws) => {
      ws.on('close', () => (closed = true));
      ws.on('message', (data) => {
        const [verb, id] = JSON.parse(String(data)) as [string, string];
        if (verb !== 'REQ') return;
        const flood = setInterval(() => {
          if (ws.readyState !== ws.OPEN) return clearInterval(flood);
          ws.send(JSON.stringify(['EVENT', id, event]));
          sent += 1;
        }, 5);
        ws.on('close', () => clearInterval(flood));
      });
    });
    const { port } = wss.address() as { port: number };
    try {
      const source = { url: `nostr:ws://127.0.0.1:${port}#${NOSTR_KEY}`, publicKey: ORACLE_KEY };
      const [fetched] = await fetchQuotes([source], '/price', { timeoutMs: 5_000 });
      expect(fetched).to.deep.include({ ok: true });
      await new Promise((r) => setTimeout(r, 50));
      expect(closed, 'the client hung up').to.equal(true);
      expect(sent).to.be.below(50);
    } finally {
      for (const c of wss.clients) c.terminate();
      await new Promise((resolve) => wss.close(resolve));
    }
  });

  it('refuses content larger than the cap before parsing it', async () => {
    await relay.plant(published(figure(1_000)));
    const source = parseNostrSource(oracle.url);
    const fetched = await fetchNostrFigure(
      source,
      { kind: 'index_price', pair: 'BTC/USD' },
      {
        timeoutMs: 5_000,
        maxBytes: 100,
      },
    );
    expect(fetched).to.deep.equal({ ok: false, error: 'event content larger than 100 bytes' });
  });

  it('peer-stables verify reads a nostr: source, and refuses a quote the oracle did not sign', async () => {
    const genuine = figure(1_000);
    await relay.plant(published(genuine));
    const out = await verifyCommand(oracle.url, { pubkey: ORACLE_KEY, json: true }, () => NOW);
    expect(JSON.parse(out)).to.deep.equal(genuine);
    // Pinned to any other key (here the Nostr key that carried it), the same quote is refused.
    let refused: unknown;
    try {
      await verifyCommand(oracle.url, { pubkey: NOSTR_KEY });
    } catch (err) {
      refused = err;
    }
    expect(refused).to.be.instanceOf(VerifyError);
    let missing: unknown;
    try {
      await verifyCommand(oracle.url, { pubkey: ORACLE_KEY, kind: 'perp_premium' });
    } catch (err) {
      missing = err;
    }
    expect(missing).to.be.instanceOf(InputError);
    expect((missing as Error).message).to.match(/^no perp_premium BTC\/USD event/);
  });

  it('peer-stables verify never passes an attestation of another kind or pair than --kind/--pair ask', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ps-verify-kind-'));
    const path = join(dir, 'index.json');
    writeFileSync(path, JSON.stringify(figure(1_000)));
    const asked = (opts: { kind?: string; pair?: string }) =>
      verifyCommand(path, { pubkey: ORACLE_KEY, ...opts }, () => NOW).then(
        () => 'valid',
        (err: Error) => err.message,
      );
    expect(await asked({ kind: 'index_price', pair: 'BTC/USD' })).to.equal('valid');
    expect(await asked({ kind: 'funding_rate' })).to.equal('--kind funding_rate asked, the attestation is index_price');
    expect(await asked({ pair: 'ETH/USD' })).to.equal('--pair ETH/USD asked, the attestation is BTC/USD');
  });
});

describe('nostr/source: the nostr: form', () => {
  const relayUrl = 'wss://relay.example.com/path';
  it('names a relay URL and, after #, the Nostr key as hex or npub', () => {
    expect(isNostrSource(`nostr:${relayUrl}#${NOSTR_KEY}`)).to.equal(true);
    expect(isNostrSource('https://oracle.example.com')).to.equal(false);
    expect(parseNostrSource(`nostr:${relayUrl}#${NOSTR_KEY}`)).to.deep.equal({ relay: relayUrl, author: NOSTR_KEY });
    expect(parseNostrSource(`nostr:${relayUrl}#${npubEncode(NOSTR_KEY)}`)).to.deep.equal({
      relay: relayUrl,
      author: NOSTR_KEY,
    });
  });

  const invalid: readonly [string, RegExp][] = [
    [`nostr:${relayUrl}`, /expected nostr:wss:\/\/<relay>#/],
    [`nostr:https://relay.example.com#${NOSTR_KEY}`, /expected nostr:wss:\/\/<relay>#/],
    [`nostr:${relayUrl}#${NOSTR_KEY.toUpperCase()}`, /must be a Nostr public key as 64 lowercase hex or npub/],
    [`nostr:${relayUrl}#npub1xyz`, /must be a Nostr public key/],
    [`nostr:${relayUrl}#${NOSTR_KEY}#${NOSTR_KEY}`, /expected nostr:wss:\/\/<relay>#/],
  ];
  for (const [url, message] of invalid) {
    it(`refuses ${url.slice(0, 60)}`, () => expect(() => parseNostrSource(url)).to.throw(message));
  }

  it('the client configuration takes a nostr: oracle and refuses a malformed one at start-up', () => {
    const example = JSON.parse(readFileSync(new URL('../../config/settle.example.json', import.meta.url), 'utf8'));
    const config = (url: string): unknown => ({ ...example, oracles: [{ url, publicKey: ORACLE_KEY }] });
    const url = `nostr:${relayUrl}#${NOSTR_KEY}`;
    expect(parseClientConfig(config(url)).oracles).to.deep.equal([{ url, publicKey: ORACLE_KEY }]);
    expect(() => parseClientConfig(config(`nostr:${relayUrl}#nokey`))).to.throw(
      ConfigError,
      /oracles\.0\.url.*must be a Nostr public key/s,
    );
    // Funding pins each oracle's anchor from /history, which a relay does not keep: refused, not stalled.
    expect(() =>
      parseClientConfig({ ...(config(url) as object), funding: true, fundingStart: '2026-12-01T00:00:00Z' }),
    ).to.throw(ConfigError, /funding: funding needs every oracle over HTTP/);
  });
});
