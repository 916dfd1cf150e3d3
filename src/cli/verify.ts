/**
 * `peer-stables verify`: checks an attestation's signature against a pinned public key, from a
 * file, stdin or a URL, and optionally its age. Returns the line to print; throws on any failure.
 */
import { readFile } from 'node:fs/promises';
import { toJson, verifyJson } from '../attest/json.js';
import { FUTURE_TOLERANCE_MS, type SignedAttestation } from '../attest/types.js';
import { InputError, VerifyError } from '../core/errors.js';
import { formatDecimal } from '../core/fixed.js';
import { readCappedText } from '../core/read-capped.js';
import { isNostrSource, parseNostrSource } from '../nostr/source-url.js';
import { isDlcEvent, verifyDlcEvent } from './verify-dlc.js';

const MAX_BODY_BYTES = 64 * 1024;
const FETCH_TIMEOUT_MS = 10_000;

async function readStdin(): Promise<string> {
  const text = await readCappedText(process.stdin, MAX_BODY_BYTES);
  if (text === null) throw new InputError(`input larger than ${MAX_BODY_BYTES} bytes`);
  return text;
}

async function readUrl(url: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, {
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
      headers: { accept: 'application/json' },
    });
  } catch (err) {
    throw new InputError(`cannot fetch ${url}: ${(err as Error).message}`);
  }
  const text = await readCappedText(response.body, MAX_BODY_BYTES);
  if (text === null) throw new InputError(`response from ${url} larger than ${MAX_BODY_BYTES} bytes`);
  if (!response.ok) throw new InputError(`${url} answered HTTP ${response.status}: ${text.slice(0, 300)}`);
  return text;
}

/** The newest figure of `kind` and `pair` a relay carries; the relay is trusted for nothing. */
async function readNostr(source: string, figure: { kind: string; pair: string }): Promise<string> {
  let parsed;
  try {
    parsed = parseNostrSource(source);
  } catch (err) {
    throw new InputError((err as Error).message);
  }
  const { fetchNostrFigure } = await import('../nostr/source.js'); // relay code only when a relay is named
  const fetched = await fetchNostrFigure(parsed, figure, { timeoutMs: FETCH_TIMEOUT_MS, maxBytes: MAX_BODY_BYTES });
  if (!fetched.ok) throw new InputError(fetched.error);
  return fetched.text;
}

/**
 * Reads the attestation text from a path, "-" (stdin), an http(s) URL or a nostr: source (the newest
 * `figure` a relay carries).
 */
export async function readAttestationText(
  source: string,
  figure: { kind: string; pair: string } = { kind: 'index_price', pair: 'BTC/USD' },
): Promise<string> {
  if (source === '-') return readStdin();
  if (isNostrSource(source)) return readNostr(source, figure);
  if (/^https?:\/\//.test(source)) return readUrl(source);
  try {
    return await readFile(source, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read ${source}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

/** Largest time a JS Date can show (ms); a valid attestation may carry any u64. */
const MAX_DATE_MS = 8_640_000_000_000_000n;

function showTime(ms: bigint): string {
  return ms <= MAX_DATE_MS ? new Date(Number(ms)).toISOString() : `${ms} ms after the epoch`;
}

/** One human line describing a verified attestation. */
export function describe(a: SignedAttestation): string {
  return `valid ${a.kind} ${a.pair} = ${formatDecimal(a.value, a.exponent)} (sequence ${a.sequence}, observed ${showTime(a.observedAt)}, ${a.sourceCount} sources, dispersion ${a.dispersionPpm} ppm)`;
}

export async function verifyCommand(
  source: string,
  opts: { pubkey: string; maxAge?: number; json?: boolean; kind?: string; pair?: string },
  now: () => number = Date.now,
): Promise<string> {
  if (!/^[0-9a-f]{64}$/i.test(opts.pubkey))
    throw new InputError('--pubkey: expected 32-byte x-only public key as 64 hex characters');
  const text = await readAttestationText(source, { kind: opts.kind ?? 'index_price', pair: opts.pair ?? 'BTC/USD' });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new InputError('input is not valid JSON');
  }
  if (isDlcEvent(raw)) return verifyDlcEvent(raw as Parameters<typeof verifyDlcEvent>[0], opts.pubkey);
  const attestation = verifyJson(raw, opts.pubkey.toLowerCase());
  // A figure asked for by --kind/--pair must be that figure, whatever carried it.
  for (const [flag, asked, got] of [
    ['--kind', opts.kind, attestation.kind],
    ['--pair', opts.pair, attestation.pair],
  ] as const)
    if (asked !== undefined && asked !== got)
      throw new VerifyError(`${flag} ${asked} asked, the attestation is ${got}`);
  if (opts.maxAge !== undefined) {
    // In bigint: observedAt may be any u64, far beyond what a float holds exactly.
    const ageMs = BigInt(now()) - attestation.observedAt;
    if (ageMs < -BigInt(FUTURE_TOLERANCE_MS))
      throw new VerifyError(`attestation is dated ${-ageMs} ms in the future; refusing it under --max-age`);
    if (ageMs > BigInt(Math.round(opts.maxAge * 1000)))
      throw new VerifyError(`attestation is ${formatDecimal(ageMs / 100n, -1)} s old, limit ${opts.maxAge} s`);
  }
  return opts.json ? JSON.stringify(toJson(attestation)) : describe(attestation);
}
