/**
 * The outcome journal: an append-only, fsynced file of JSON lines, one per released outcome,
 * written BEFORE an attestation leaves the process and kept apart from the database, so that
 * restoring an old database cannot make the oracle sign a second outcome with a nonce it already
 * used (two signatures under one nonce reveal the key). Its first line (or, for a journal older
 * than instance ids, a later one) names the lineage it belongs to: the instance id its nonces are
 * bound to (src/dlc/lineage.ts). While open, a lock file beside it keeps any other process out.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { dirname } from 'node:path';
import { acquireLockFile } from '../core/lock-file.js';
import { ConfigError, InputError } from '../core/errors.js';

/** One released outcome, as journaled before the attestation left the process. */
export interface JournalEntry {
  readonly eventId: string;
  /** The announcement TLV (hex), so a database restored from before it can get it back unchanged. */
  readonly announcementHex: string;
  readonly series: string;
  readonly maturity: number;
  readonly outcomes: readonly string[];
  /** outcomesDigest(outcomes): guards each line against editing and partial corruption. */
  readonly outcomesDigest: string;
  readonly value: string;
  readonly indexObservedAt: number;
  readonly indexSequence: string;
  readonly late: boolean;
  /** The signed oracle_attestation TLV (hex), released as is: restoring never signs again. */
  readonly attestationHex: string;
}

/** The lineage a journal belongs to: its instance id and oracle key (hex). */
export interface JournalIdentity {
  readonly instanceId: string;
  readonly publicKeyHex: string;
}

/** sha256 (hex) of the outcomes' JSON array: the digest every journal line carries. */
export function outcomesDigest(outcomes: readonly string[]): string {
  return createHash('sha256').update(JSON.stringify(outcomes)).digest('hex');
}

/** True when two outcome lists are the same strings in the same order. */
export function sameOutcomes(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * The journal, open and locked. One entry per event; a second entry for the same event is
 * refused, whatever its outcomes, so the journal can never record two outcomes.
 */
export class OutcomeJournal {
  private readonly byEvent: Map<string, JournalEntry>;

  private constructor(
    private readonly file: string,
    private owner: JournalIdentity | null,
    entries: readonly JournalEntry[],
    private readonly release: () => void,
  ) {
    this.byEvent = new Map(entries.map((e) => [e.eventId, e]));
  }

  /**
   * Locks (`<file>.lock`) and reads the journal at `file`, creating its folder (mode 0700) when
   * missing. A torn last line (a crash inside append, before anything was released) is cut off.
   * Throws ConfigError when another live process holds the lock, for a malformed or edited
   * line, two entries for one event, or two identity lines.
   */
  static open(file: string): OutcomeJournal {
    let release: (() => void) | undefined;
    try {
      fs.mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      release = lockJournal(file);
      const { owner, entries } = readJournal(file);
      return new OutcomeJournal(file, owner, entries, release);
    } catch (error) {
      release?.();
      if (error instanceof ConfigError) throw error;
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new ConfigError(`cannot read the DLC journal ${file}: ${code}`, { cause: error });
    }
  }

  /** The lineage named by the journal, or null when it has no identity line (new, or older than instance ids). */
  identity(): JournalIdentity | null {
    return this.owner;
  }

  /** Every entry, in the order written. */
  entries(): JournalEntry[] {
    return [...this.byEvent.values()];
  }

  /** The entry of `eventId`, or undefined. */
  get(eventId: string): JournalEntry | undefined {
    return this.byEvent.get(eventId);
  }

  /** Records the journal's lineage (fsynced). Throws InputError when it already names one. */
  writeIdentity(identity: JournalIdentity): void {
    if (this.owner !== null) {
      throw new InputError(`the DLC journal ${this.file} already belongs to instance ${this.owner.instanceId}`);
    }
    appendLine(this.file, { record: 'identity', instanceId: identity.instanceId, publicKey: identity.publicKeyHex });
    this.owner = identity;
  }

  /**
   * Appends `entry` and fsyncs the file (and, for a new file, its folder) before returning.
   * Throws InputError when the event is already journaled.
   */
  append(entry: Omit<JournalEntry, 'outcomesDigest'>): JournalEntry {
    if (this.byEvent.has(entry.eventId)) throw new InputError(`event ${entry.eventId} is already journaled`);
    const outcomes = [...entry.outcomes];
    const full: JournalEntry = { ...entry, outcomes, outcomesDigest: outcomesDigest(outcomes) };
    appendLine(this.file, full);
    this.byEvent.set(full.eventId, full);
    return full;
  }

  /** Releases the lock; the journal must not be used afterwards. */
  close(): void {
    this.release();
  }
}

/** Takes `<file>.lock`, or throws ConfigError saying which journal is held and what that means. */
function lockJournal(file: string): () => void {
  try {
    return acquireLockFile(`${file}.lock`);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    const message = `the DLC journal ${file} is locked (${why}); a journal belongs to one running DLC oracle`;
    throw new ConfigError(message, { cause: error });
  }
}

/** Writes one JSON line and fsyncs it (and the folder, when the file is new). */
function appendLine(file: string, record: object): void {
  const created = !fs.existsSync(file);
  const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o600);
  try {
    // writeSync may write less than asked: loop, so a released outcome is never a torn line.
    const line = Buffer.from(`${JSON.stringify(record)}\n`);
    for (let done = 0; done < line.length;) done += fs.writeSync(fd, line, done, line.length - done);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  if (created) fsyncDirectory(dirname(file));
}

function fsyncDirectory(dir: string): void {
  const fd = fs.openSync(dir, fs.constants.O_RDONLY);
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function readJournal(file: string): { owner: JournalIdentity | null; entries: JournalEntry[] } {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const complete = text.lastIndexOf('\n') + 1;
  if (complete < text.length) fs.truncateSync(file, Buffer.byteLength(text.slice(0, complete)));
  let owner: JournalIdentity | null = null;
  const entries: JournalEntry[] = [];
  const seen = new Set<string>();
  const lines = text.slice(0, complete).split('\n');
  for (const [i, line] of lines.entries()) {
    if (line === '') continue;
    const where = `${file} line ${i + 1}`;
    const record = parseLine(line, where);
    if ('instanceId' in record) {
      if (owner !== null) throw new ConfigError(`DLC journal ${where}: a second identity line`);
      owner = record;
      continue;
    }
    if (seen.has(record.eventId)) {
      throw new ConfigError(`DLC journal ${where}: a second entry for event ${record.eventId}`);
    }
    seen.add(record.eventId);
    entries.push(record);
  }
  return { owner, entries };
}

const HEX = /^([0-9a-f]{2})+$/;
const HEX32 = /^[0-9a-f]{64}$/;

function parseLine(line: string, where: string): JournalEntry | JournalIdentity {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    throw new ConfigError(`DLC journal ${where} is not JSON`);
  }
  const e = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  if (e.record === 'identity') {
    const isHex32 = (v: unknown): boolean => typeof v === 'string' && HEX32.test(v);
    if (!isHex32(e.instanceId) || !isHex32(e.publicKey)) {
      throw new ConfigError(`DLC journal ${where} is not an identity line`);
    }
    return { instanceId: e.instanceId as string, publicKeyHex: e.publicKey as string };
  }
  const ok =
    typeof e.eventId === 'string' &&
    typeof e.announcementHex === 'string' &&
    HEX.test(e.announcementHex) &&
    typeof e.series === 'string' &&
    Number.isSafeInteger(e.maturity) &&
    Array.isArray(e.outcomes) &&
    e.outcomes.every((o) => typeof o === 'string') &&
    typeof e.outcomesDigest === 'string' &&
    typeof e.value === 'string' &&
    /^-?\d+$/.test(e.value) &&
    Number.isSafeInteger(e.indexObservedAt) &&
    typeof e.indexSequence === 'string' &&
    typeof e.late === 'boolean' &&
    typeof e.attestationHex === 'string' &&
    HEX.test(e.attestationHex);
  if (!ok) throw new ConfigError(`DLC journal ${where} is not a journal entry`);
  const entry = raw as JournalEntry;
  if (outcomesDigest(entry.outcomes) !== entry.outcomesDigest) {
    throw new ConfigError(
      `DLC journal ${where}: outcomes do not match their digest; the journal was altered or corrupted`,
    );
  }
  return entry;
}
