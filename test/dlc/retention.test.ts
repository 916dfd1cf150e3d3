/**
 * DLC events are kept dlc.retentionDays after maturity once attested, then pruned by the
 * service's own pass, as price history is. An event announced and not yet attested is never
 * pruned, and a pruned event never comes back: not from the journal at start-up, not from the
 * schedule, not from a clock stepped back.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { EVENT_T0, HOUR, T0, makeHarness, type Harness } from './service-harness.js';

const DAY = 24 * HOUR;
const EVENT_13 = 'btcusd-hourly-2024-05-01T13:00:00Z';

describe('DLC retention', () => {
  let h: Harness;
  beforeEach(() => {
    h = makeHarness({ retentionDays: 1 });
  });
  afterEach(() => h.cleanup());

  /** Announces 12:00 and 13:00, attests 12:00 only (no index is ever observed after 13:00). */
  const attestNoonOnly = () => {
    const service = h.open();
    service.pass();
    h.history.add(T0 + 1_000, '65432');
    h.clock.set(T0 + 2_000);
    service.pass();
    expect(service.view(EVENT_T0)?.status).to.equal('attested');
    return service;
  };

  it('prunes attested events past retention and never an announced event that is not attested, however old', () => {
    const service = attestNoonOnly();
    h.clock.set(T0 + DAY - 1);
    service.pass();
    expect(service.view(EVENT_T0)?.status, 'kept until retention has passed').to.equal('attested');
    h.clock.set(T0 + 30 * DAY);
    service.pass();
    expect(service.view(EVENT_T0)).to.equal(null);
    expect(service.view(EVENT_13)?.status).to.equal('waiting_for_index');
  });

  it('a pruned event is not brought back from the journal at start-up, nor announced or attested again', () => {
    const service = attestNoonOnly();
    h.clock.set(T0 + 2 * DAY);
    service.pass();
    expect(service.view(EVENT_T0)).to.equal(null);
    service.close();
    const journal = readFileSync(h.config.journalFile, 'utf8');

    const restarted = h.open();
    expect(restarted.view(EVENT_T0), 'restored by the start-up reconcile').to.equal(null);
    h.clock.set(T0 - 30 * 60_000); // the clock stepped back: EVENT_T0 looks due again
    restarted.pass();
    h.history.add(T0 + 500, '1');
    h.clock.set(T0 + 1_000);
    restarted.pass();
    expect(restarted.view(EVENT_T0)).to.equal(null);
    expect(readFileSync(h.config.journalFile, 'utf8')).to.equal(journal);
  });
});
