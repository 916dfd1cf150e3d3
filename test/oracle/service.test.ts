import { expect } from 'chai';
import { Registry } from 'prom-client';
import { verifyJson } from '../../src/attest/json.js';
import { publicKeyOf } from '../../src/attest/keys.js';
import type { AttestationJson } from '../../src/attest/types.js';
import { ManualClock } from '../../src/core/clock.js';
import { parseDecimal, PRICE_EXPONENT, RATE_EXPONENT } from '../../src/core/fixed.js';
import { silentLogger } from '../../src/core/log.js';
import { FUNDING_PERIOD_MS, type FundingReading, type SourceReading } from '../../src/index/readings.js';
import { NEW_FUNDING_INDEX, type FundingIndexState } from '../../src/index/funding-index.js';
import type { FundingRules, IndexRules } from '../../src/index/types.js';
import { createOracleMetrics } from '../../src/oracle/metrics.js';
import { NO_FUNDING_INDEX_STATE, OracleService } from '../../src/oracle/service.js';
import type { PublishedAttestation } from '../../src/server/types.js';
import type { AttestationStore } from '../../src/store/types.js';

const usd = (s: string) => parseDecimal(s, PRICE_EXPONENT);
const SECRET = Uint8Array.from(Buffer.from('0b432b2677937381aef05bb02a66ecd012773062cf3fa2549e44f58ed2401710', 'hex'));
const PK = Buffer.from(publicKeyOf(SECRET)).toString('hex');
const T0 = 1_764_470_000_000;

const rules: IndexRules = {
  maxAgeMs: 30_000,
  maxExchangeAgeMs: 60_000,
  maxFutureSkewMs: 5_000,
  minPrice: usd('1000'),
  maxPrice: usd('10000000'),
  maxDeviationBps: 100,
  quorum: 3,
  frozenAfterMs: 60_000,
  frozenMoveBps: 20,
};
const usdtRules: IndexRules = { ...rules, minPrice: usd('0.9'), maxPrice: usd('1.1'), quorum: 2, maxDeviationBps: 50 };

/** An in-memory store with the same contract as the SQLite one. */
class MemoryStore implements AttestationStore {
  readonly rows: AttestationJson[] = [];
  private last = 0n;
  failAppend = false;
  nextSequence(_pk: string, atLeast = 0n): bigint {
    this.last = this.last + 1n > atLeast ? this.last + 1n : atLeast;
    return this.last;
  }
  /** The funding index state per pair, written with the attestation that signed it, as the SQLite store does. */
  readonly indexStates = new Map<string, FundingIndexState>();
  append(a: AttestationJson, fundingIndex?: FundingIndexState): void {
    if (this.failAppend) throw new Error('disk full');
    this.rows.push(a);
    if (fundingIndex !== undefined) this.indexStates.set(a.pair, fundingIndex);
  }
  fundingIndex(_pk: string, pair: string): FundingIndexState | null {
    return this.indexStates.get(pair) ?? null;
  }
  startFundingIndex(_pk: string, pair: string, state: FundingIndexState): void {
    this.indexStates.set(pair, state);
  }
  latest(kind: string): AttestationJson | null {
    return [...this.rows].reverse().find((r) => r.kind === kind) ?? null;
  }
  range(): AttestationJson[] {
    return this.rows;
  }
  prune(): number {
    return 0;
  }
  close(): void {}
}

function reading(
  source: string,
  price: string,
  receivedAt: number,
  exchangeTs: number | null = receivedAt,
): SourceReading {
  return {
    source,
    quote: source.split('/')[1] ?? '',
    observation: { source, price: usd(price), exchangeTs, receivedAt },
    lastError: null,
  };
}

const ratio = (s: string) => parseDecimal(s, RATE_EXPONENT);
const fundingRules: FundingRules = {
  maxAgeMs: 120_000,
  maxExchangeAgeMs: 600_000,
  maxFutureSkewMs: 5_000,
  minRate: ratio('-0.01'),
  maxRate: ratio('0.01'),
  maxDeviation: ratio('0.0005'),
  quorum: 2,
  premiumQuorum: 2,
  frozenAfterMs: 600_000,
  frozenMove: ratio('0.0005'),
  minPremium: ratio('-0.05'),
  maxPremium: ratio('0.05'),
  maxPremiumDeviation: ratio('0.005'),
};

function perp(source: string, rate: string, mark: string | null, receivedAt: number): FundingReading {
  const quote = source.endsWith(':USDT') ? 'USDT' : 'USD';
  return {
    source,
    quote,
    observation: {
      source,
      rate: ratio(rate),
      intervalMs: FUNDING_PERIOD_MS,
      markPrice: mark === null ? null : usd(mark),
      exchangeTs: receivedAt,
      receivedAt,
    },
    lastError: null,
  };
}

function setup(readings: () => SourceReading[], store = new MemoryStore(), funding?: () => FundingReading[]) {
  const clock = new ManualClock(T0);
  const registry = new Registry();
  const service = new OracleService({
    ...(funding
      ? {
          funding: {
            pair: 'BTC/USD',
            sourceIds: ['f1:BTC/USD:BTC', 'f2:BTC/USDT:USDT', 'f3:BTC/USD:USD'],
            rules: fundingRules,
            readings: funding,
            tickIntervalMs: 60_000,
            indexMaxStepMs: 180_000,
          },
        }
      : {}),
    index: { pair: 'BTC/USD', sourceIds: ['a:BTC/USD', 'b:BTC/USD', 'c:BTC/USD', 'd:BTC/USDT'], rules },
    conversions: new Map([['USDT', { pair: 'USDT/USD', sourceIds: ['a:USDT/USD', 'b:USDT/USD'], rules: usdtRules }]]),
    secretKey: SECRET,
    publicKeyHex: PK,
    store,
    readings,
    clock,
    logger: silentLogger,
    metrics: createOracleMetrics(registry),
    info: {
      name: 'test',
      softwareVersion: '0',
      protocolVersion: 1,
      tag: 't',
      kinds: ['index_price'],
      pair: 'BTC/USD',
      exponent: -8,
      tickIntervalMs: 5000,
      methodology: 'm',
      config: {},
    },
  });
  return { service, clock, store, registry };
}

describe('oracle/service tick', () => {
  const healthy = () => [
    reading('a:BTC/USD', '97000', T0 - 1000),
    reading('b:BTC/USD', '97010', T0 - 1000),
    reading('c:BTC/USD', '96990', T0 - 1000, null),
    reading('d:BTC/USDT', '97000', T0 - 1000),
    reading('a:USDT/USD', '1.0001', T0 - 1000),
    reading('b:USDT/USD', '1.0003', T0 - 1000),
  ];

  it('signs the median once per tick, with a sequence no lower than the tick time, and publishes it', () => {
    const { service, store } = setup(healthy);
    const seen: PublishedAttestation[] = [];
    service.subscribe((p) => seen.push(p));
    const outcome = service.tick()!;
    expect(outcome.ok).to.equal(true);
    const published = service.latest('index_price');
    expect(published).to.not.equal(null);
    const json = JSON.parse(published!.body.toString()) as AttestationJson;
    const verified = verifyJson(json, PK);
    // USDT rate = median(1.0001, 1.0003) = 1.0002; 97000 USDT = 97019.40 USD; median of
    // 96990, 97000, 97010, 97019.40 = (97000 + 97010) / 2
    expect(verified.value).to.equal(usd('97005'));
    expect(verified.sourceCount).to.equal(4);
    expect(verified.sequence).to.equal(BigInt(T0));
    expect(store.rows).to.have.length(1);
    expect(seen).to.have.length(1);
    expect(seen[0]!.body.equals(published!.body)).to.equal(true);
  });

  it('increases the sequence on every signature', () => {
    const { service, clock } = setup(healthy);
    service.tick();
    const first = BigInt(service.latest('index_price')!.json.sequence);
    service.tick(); // same millisecond
    clock.advance(1);
    service.tick();
    expect(BigInt(service.latest('index_price')!.json.sequence)).to.equal(first + 2n);
  });

  it('refuses to sign below quorum, keeps the reason and the previous attestation', () => {
    let readings = healthy();
    const { service, clock, store } = setup(() => readings);
    service.tick();
    const before = service.latest('index_price');
    clock.advance(60_000); // every observation is now stale
    const outcome = service.tick()!;
    expect(outcome.ok).to.equal(false);
    expect(service.lastRefusal('index_price')!.reason).to.match(/quorum is 3/);
    expect(service.latest('index_price')).to.equal(before);
    expect(store.rows).to.have.length(1);
    const report = service.sources();
    expect(report.at).to.equal(T0 + 60_000);
    expect(report.markets[0]!.ok).to.equal(false);
    expect(report.markets[0]!.sources.map((s) => s.verdict)).to.deep.equal(['stale', 'stale', 'stale', 'stale']);
    readings = healthy().map((r) => ({
      ...r,
      observation: { ...r.observation!, receivedAt: T0 + 59_000, exchangeTs: T0 + 59_000 },
    }));
    expect(service.tick()!.ok).to.equal(true);
    expect(service.lastRefusal('index_price')).to.equal(null);
  });

  it('treats a USDT source as an error when the USDT/USD rate itself has no quorum', () => {
    const { service } = setup(() => healthy().filter((r) => r.source !== 'b:USDT/USD'));
    const outcome = service.tick()!;
    expect(outcome.ok).to.equal(true);
    const usdt = outcome.verdicts.find((v) => v.source === 'd:BTC/USDT')!;
    expect(usdt.verdict).to.equal('error');
    const report = service.sources();
    expect(report.markets.map((m) => [m.pair, m.ok])).to.deep.equal([
      ['BTC/USD', true],
      ['USDT/USD', false],
    ]);
  });

  it('publishes nothing when storing fails: what is served is always what is stored', () => {
    const store = new MemoryStore();
    store.failAppend = true;
    const { service } = setup(healthy, store);
    service.tick();
    expect(service.latest('index_price')).to.equal(null);
    expect(service.lastRefusal('index_price')!.reason).to.equal(
      'signing or storing failed; details are in the oracle log',
    );
  });

  it('counts a tick whose signature could not be stored as failed, not signed', async () => {
    const store = new MemoryStore();
    const { service, registry } = setup(healthy, store);
    service.tick();
    store.failAppend = true;
    service.tick();
    const text = await registry.metrics();
    expect(text).to.contain('peer_stables_ticks_total{kind="index_price",pair="BTC/USD",outcome="signed"} 1');
    expect(text).to.contain('peer_stables_ticks_total{kind="index_price",pair="BTC/USD",outcome="failed"} 1');
  });

  it('serves the last stored attestation after a restart', () => {
    const { service, store } = setup(healthy);
    service.tick();
    const again = setup(healthy, store).service;
    expect(again.latest('index_price')!.json).to.deep.equal(service.latest('index_price')!.json);
  });

  it("remembers each tick's preliminary median, so a source stuck while the market moves is frozen a minute later", async () => {
    // Kraken-like: no exchange timestamp, fresh receive times, one value since T0.
    let price = 97000;
    const readings = () => [
      { ...reading('a:BTC/USD', '97000', clock.now() - 1000, null), valueSince: T0 - 1000 },
      ...['b:BTC/USD', 'c:BTC/USD', 'd:BTC/USDT'].map((id) => ({
        ...reading(id, String(price), clock.now() - 1000),
        valueSince: clock.now() - 1000,
      })),
      reading('a:USDT/USD', '1', clock.now() - 1000),
      reading('b:USDT/USD', '1', clock.now() - 1000),
    ];
    const { service, clock, registry } = setup(readings);
    for (let tick = 0; tick < 12; tick++) {
      expect(service.tick()!.verdicts[0]!.verdict).to.equal('accepted');
      clock.advance(5_000);
      price += 25; // the market drifts up: 0.31 % after 60 s, within the 1 % deviation limit
    }
    const outcome = service.tick()!;
    expect(outcome.verdicts.map((v) => v.verdict)).to.deep.equal(['frozen', 'accepted', 'accepted', 'accepted']);
    expect(outcome.verdicts[0]!.reason).to.equal(
      'value unchanged for 61 s (limit 60 s) while the preliminary median moved 0.30% (limit 0.20%), from 97000.00 on the tick 60 s ago to 97300.00',
    );
    expect(service.sources().markets[0]!.sources[0]!.verdict).to.equal('frozen');
    const text = await registry.metrics();
    expect(text).to.contain('peer_stables_source_verdict{kind="index_price",source="a:BTC/USD",verdict="frozen"} 1');
    expect(text).to.contain('peer_stables_source_verdict{kind="index_price",source="a:BTC/USD",verdict="accepted"} 0');
  });

  it('keeps ticking when the clock goes back: the history forgets what is now in the future', () => {
    const { service, clock } = setup(() => healthy().map((r) => ({ ...r, valueSince: r.observation!.receivedAt })));
    expect(service.tick()!.ok).to.equal(true);
    clock.advance(10_000);
    expect(service.tick()).to.not.equal(null);
    clock.set(T0 - 500);
    expect(service.tick()!.ok).to.equal(true);
  });

  it('refuses, and says so, when a reading is malformed instead of throwing out of the tick loop', () => {
    const { service } = setup(() =>
      healthy().map((r) => ({ ...r, observation: { ...r.observation!, receivedAt: T0 - 0.5 } })),
    );
    expect(service.tick()).to.equal(null);
    expect(service.lastRefusal('index_price')!.reason).to.equal('internal error; details are in the oracle log');
    expect(service.latest('index_price')).to.equal(null);
  });
});

describe('oracle/service funding tick', () => {
  const healthy = () => [
    reading('a:BTC/USD', '97000', T0 - 1000),
    reading('b:BTC/USD', '97010', T0 - 1000),
    reading('c:BTC/USD', '97005', T0 - 1000),
  ];
  const perps = () => [
    perp('f1:BTC/USD:BTC', '0.0001', '97102.005', T0 - 1000), // mark 0.1 % over the index
    perp('f2:BTC/USDT:USDT', '0.0003', null, T0 - 1000), // no mark: no premium contribution
    perp('f3:BTC/USD:USD', '0.0002', '97005', T0 - 1000), // mark at the index
  ];

  it('signs the median funding rate per 8 h and the premium over the last index, each verifiable', () => {
    const { service } = setup(healthy, new MemoryStore(), perps);
    service.tick(); // index 97005
    const outcome = service.fundingTick()!;
    expect(outcome.ok).to.equal(true);
    const rate = verifyJson(JSON.parse(service.latest('funding_rate')!.body.toString()), PK);
    expect([rate.kind, rate.value, rate.exponent, rate.sourceCount]).to.deep.equal([
      'funding_rate',
      ratio('0.0002'),
      RATE_EXPONENT,
      3,
    ]);
    const premium = verifyJson(JSON.parse(service.latest('perp_premium')!.body.toString()), PK);
    // median of 0.001 and 0, floored
    expect([premium.kind, premium.value, premium.exponent, premium.sourceCount]).to.deep.equal([
      'perp_premium',
      ratio('0.0005'),
      RATE_EXPONENT,
      2,
    ]);
    expect(premium.sequence > rate.sequence).to.equal(true);
    expect(service.sources().markets.map((m) => [m.kind, m.ok])).to.deep.equal([
      ['index_price', true],
      ['conversion', false],
      ['funding_rate', true],
      ['perp_premium', true],
    ]);
    const marks = service.sources().markets[3]!.sources;
    expect(marks.map((m) => [m.source, m.verdict, m.rawPrice, m.price])).to.deep.equal([
      ['f1:BTC/USD:BTC', 'accepted', usd('97102.005').toString(), ratio('0.001').toString()],
      ['f2:BTC/USDT:USDT', 'error', null, null],
      ['f3:BTC/USD:USD', 'accepted', usd('97005').toString(), '0'],
    ]);
  });

  it('judges every mark on /sources and in the metrics, and signs no premium from a broken one', async () => {
    const broken = () => [...perps().slice(0, 2), perp('f3:BTC/USD:USD', '0.0002', '45590', T0 - 1000)];
    const { service, registry } = setup(healthy, new MemoryStore(), broken);
    service.tick();
    expect(service.fundingTick()!.ok).to.equal(true);
    expect(service.latest('perp_premium')).to.equal(null);
    expect(service.lastRefusal('perp_premium')!.reason).to.equal(
      'mark prices: 1 of 3 sources accepted, quorum is 2 (1 accepted, 1 implausible, 1 error)',
    );
    const marks = service.sources().markets.find((m) => m.kind === 'perp_premium')!;
    expect([marks.ok, marks.reason]).to.deep.equal([false, service.lastRefusal('perp_premium')!.reason]);
    expect(marks.sources.map((m) => m.verdict)).to.deep.equal(['accepted', 'error', 'implausible']);
    expect(marks.sources[2]!.reason).to.match(
      /^premium -53\.0024\d*% \(mark 45590\.00 USD over index 97005\.00\) outside plausible range/,
    );
    const text = await registry.metrics();
    expect(text).to.contain(
      'peer_stables_source_verdict{kind="perp_premium",source="f3:BTC/USD:USD",verdict="implausible"} 1',
    );
    expect(text).to.contain(
      'peer_stables_source_verdict{kind="funding_rate",source="f3:BTC/USD:USD",verdict="accepted"} 1',
    );
  });

  it('signs the rate but refuses the premium when there is no recent index', () => {
    const { service } = setup(() => [], new MemoryStore(), perps);
    service.tick(); // refused: no spot sources
    expect(service.fundingTick()!.ok).to.equal(true);
    expect(service.latest('funding_rate')).to.not.equal(null);
    expect(service.latest('perp_premium')).to.equal(null);
    expect(service.lastRefusal('perp_premium')!.reason).to.be.a('string').and.not.equal('');
  });

  it('refuses both below quorum, with the reason, and signs nothing', () => {
    const { service, store } = setup(healthy, new MemoryStore(), () => perps().slice(0, 1));
    service.tick();
    const before = store.rows.length;
    expect(service.fundingTick()!.ok).to.equal(false);
    expect(store.rows.length).to.equal(before);
    expect(service.lastRefusal('funding_rate')!.reason).to.match(/quorum/);
    expect(service.lastRefusal('perp_premium')!.reason).to.match(/^no funding rate: /);
  });

  describe('funding index (docs/METHODOLOGY.md 8.8)', () => {
    const at = { now: T0 };
    const fresh = () => [
      perp('f1:BTC/USD:BTC', '0.0001', null, at.now - 1000),
      perp('f2:BTC/USDT:USDT', '0.0003', null, at.now - 1000),
      perp('f3:BTC/USD:USD', '0.0002', null, at.now - 1000),
    ];
    const tickAt = (service: OracleService, clock: ManualClock, ms: number) => {
      clock.advance(ms);
      at.now = clock.now();
      service.fundingTick();
    };
    const index = (service: OracleService) =>
      verifyJson(JSON.parse(service.latest('funding_index')!.body.toString()), PK);
    beforeEach(() => (at.now = T0));

    it('never signs an index it cannot continue: refuses, with the reason, until one is started', () => {
      const { service, store } = setup(healthy, new MemoryStore(), fresh);
      service.fundingTick();
      expect(service.latest('funding_rate')).to.not.equal(null);
      expect(service.latest('funding_index')).to.equal(null);
      expect(service.lastRefusal('funding_index')!.reason).to.equal(NO_FUNDING_INDEX_STATE);
      store.startFundingIndex(PK, 'BTC/USD', NEW_FUNDING_INDEX);
      service.fundingTick();
      const epoch = index(service);
      const rate = verifyJson(JSON.parse(service.latest('funding_rate')!.body.toString()), PK);
      expect([epoch.value, epoch.exponent, epoch.observedAt]).to.deep.equal([0n, -17, rate.observedAt]);
      expect([epoch.sourceCount, epoch.dispersionPpm]).to.deep.equal([rate.sourceCount, rate.dispersionPpm]);
      expect(Buffer.from(epoch.sourcesCommitment).toString('hex')).to.equal(
        Buffer.from(rate.sourcesCommitment).toString('hex'),
      );
      expect(service.lastRefusal('funding_index')).to.equal(null);
    });

    it('integrates each signed rate over the time since the last index, and a restart continues it', () => {
      const store = new MemoryStore();
      store.startFundingIndex(PK, 'BTC/USD', NEW_FUNDING_INDEX);
      const first = setup(healthy, store, fresh);
      first.service.fundingTick();
      tickAt(first.service, first.clock, 60_000);
      // 0.0002 per 8 h for a minute: 2 000 000 x 60 000 x 10^7 / 28 800 000 = 41 666 666 666.67
      expect(index(first.service).value).to.equal(41_666_666_666n);
      const again = setup(healthy, store, fresh); // a restart: a new service over the same store
      tickAt(again.service, again.clock, 180_000); // its clock starts at T0 again: two minutes later
      // Carried two thirds of a unit: 3 x 41 666 666 666.67 = 125 000 000 000 exactly.
      expect(index(again.service).value).to.equal(125_000_000_000n);
    });

    it('a gap longer than three ticks accrues only its last three ticks at the rate that ends it', () => {
      const store = new MemoryStore();
      store.startFundingIndex(PK, 'BTC/USD', NEW_FUNDING_INDEX);
      const { service, clock } = setup(healthy, store, fresh);
      service.fundingTick();
      tickAt(service, clock, 3_600_000); // the oracle was down for an hour
      expect(index(service).value).to.equal(125_000_000_000n); // 180 000 ms, not 3 600 000
    });

    it('refuses the index, and keeps its state, when the clock went back', () => {
      const store = new MemoryStore();
      store.startFundingIndex(PK, 'BTC/USD', { value: 5n, remainder: 0n, at: T0 + 10_000 });
      const { service } = setup(healthy, store, fresh);
      service.fundingTick();
      expect(service.latest('funding_index')).to.equal(null);
      expect(service.lastRefusal('funding_index')!.reason).to.match(
        /clock is 10000 ms behind the last signed funding index/,
      );
      expect(store.fundingIndex(PK, 'BTC/USD')).to.deep.equal({ value: 5n, remainder: 0n, at: T0 + 10_000 });
    });
  });

  it('does nothing on an oracle without funding', () => {
    const { service } = setup(healthy);
    expect(service.fundingTick()).to.equal(null);
    expect(service.latest('funding_rate')).to.equal(null);
  });
});
