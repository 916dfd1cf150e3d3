/**
 * What `status` says a close left each side (issue 10): the receiver's last settled balance valued
 * at the price at close, against the stable amount; and the settlement note that lets a receiver on
 * Core Lightning read record 65537 back.
 */
import { expect } from 'chai';
import { commitmentOfNote, settlementNoteHex } from '../../src/client/commitment.js';
import type { ChannelStateRecord } from '../../src/client/ledger-types.js';
import { usdValueOf } from '../../src/client/stable-math.js';
import { channelLines, closeValuationLine } from '../../src/cli/status-channel.js';
import { InputError } from '../../src/core/errors.js';
import { usd } from './round-setup.js';

const change = (over: Partial<ChannelStateRecord>): ChannelStateRecord => ({
  id: 1,
  at: 0,
  nodeState: 'CHANNELD_SHUTTING_DOWN',
  state: 'closing',
  source: 'poll',
  closePrice: null,
  agreedReceiverMsat: null,
  ...over,
});

describe('client close valuation and settlement note', () => {
  it('values a balance in USD at a price, exactly (half to even), and refuses a price that is not positive', () => {
    expect(usdValueOf(100_000_000n, usd('100000'))).to.equal(usd('100'));
    expect(usdValueOf(1n, 1n)).to.equal(0n);
    expect(() => usdValueOf(1n, 0n)).to.throw(InputError, /price must be a positive bigint, got 0/);
    expect(() => usdValueOf(-1n, 1n)).to.throw(InputError, /balanceMsat/);
  });

  const table: [string, bigint, string | null][] = [
    [
      'a close after a fall the provider never paid',
      usd('95000'),
      'the receiver lost 5.00000000 USD and the provider gained as much',
    ],
    [
      'a close after a rally the receiver never paid',
      usd('105000'),
      'the receiver gained 5.00000000 USD and the provider lost as much',
    ],
    ['a close at the settled price', usd('100000'), 'neither side gained'],
  ];
  for (const [name, price, says] of table)
    it(`says what ${name} left each side`, () => {
      const line = closeValuationLine(change({ closePrice: price, agreedReceiverMsat: 100_000_000n }), usd('100'));
      expect(line).to.match(new RegExp(`: ${says}$`));
    });

  it('counts the funding agreed as owed to the receiver at close', () => {
    const closed = change({ closePrice: usd('100000'), agreedReceiverMsat: 101_000_000n });
    // 1.00 USD agreed from the index (10^-25 USD) and 1000 sat from an older ledger's rates.
    const funding = { indexUsd: 10n ** 25n, accruedMsat: 1_000_000n };
    expect(closeValuationLine(closed, usd('100'), funding)).to.match(
      / against 102\.00000000 USD agreed \(100\.00000000 USD and 2\.00000000 USD of funding\): the receiver lost 1\.00000000 USD/,
    );
  });

  it('says a close is not valued until a trustworthy price valued it, and lists the history newest first', () => {
    expect(closeValuationLine(change({}), usd('100'))).to.equal(null);
    const closing = change({ id: 2, at: 2_000 });
    const lines = channelLines(
      [closing, change({ id: 1, at: 1_000, nodeState: 'CHANNELD_NORMAL', state: 'active' })],
      closing,
      usd('100'),
    );
    expect(lines).to.include('at close: not valued yet (waiting for a trustworthy price)');
    expect(lines.slice(-2)).to.deep.equal([
      '  1970-01-01T00:00:02.000Z closing  CHANNELD_SHUTTING_DOWN (poll)',
      '  1970-01-01T00:00:01.000Z active   CHANNELD_NORMAL (poll)',
    ]);
    expect(channelLines([change({ nodeState: 'CHANNELD_NORMAL', state: 'active' })], null, usd('100'))).to.not.satisfy(
      (l: string[]) => l.some((x) => x.startsWith('at close')),
    );
  });

  it('carries the commitment in the note exactly, and reads nothing else as one', () => {
    const commitment = 'a1'.repeat(32);
    const note = Buffer.from(settlementNoteHex(commitment), 'hex').toString('utf8');
    expect(note).to.equal(`PeerStables/settlement/v1 ${commitment}`);
    expect(commitmentOfNote(note)).to.equal(commitment);
    for (const other of [
      'hello',
      `PeerStables/settlement/v1 ${'A1'.repeat(32)}`,
      `${note} `,
      `PeerStables/settlement/v2 ${commitment}`,
    ])
      expect(commitmentOfNote(other), other).to.equal(null);
    expect(() => settlementNoteHex('A1'.repeat(32))).to.throw(InputError, /64 lowercase hex/);
  });
});
