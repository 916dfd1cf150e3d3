import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { parseClientConfig } from '../../src/client/config.js';
import { ConfigError } from '../../src/core/errors.js';

const example = JSON.parse(
  readFileSync(new URL('../../config/settle.example.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;
const KEY = '79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798';
const valid = { ...example, oracles: [{ url: 'http://127.0.0.1:8080', publicKey: KEY }] };

describe('client/config', () => {
  it('the example validates once its placeholder key is replaced, and not before', () => {
    const config = parseClientConfig(valid);
    expect([config.role, config.stableUsd, config.minPaymentMsat, config.threshold]).to.deep.equal([
      'receiver',
      10_000_000_000n,
      1000n,
      1,
    ]);
    expect(() => parseClientConfig(example)).to.throw(ConfigError, 'oracles.0.publicKey');
  });

  const bad: [string, Record<string, unknown>, string][] = [
    ['a threshold above the oracles', { threshold: 2 }, 'threshold exceeds the number of oracles'],
    [
      'one oracle twice',
      {
        oracles: [
          { url: 'http://a', publicKey: KEY },
          { url: 'http://b', publicKey: KEY },
        ],
        threshold: 1,
      },
      'share a public key',
    ],
    ['a float amount', { stableUsd: 100 }, 'stableUsd'],
    ['a zero amount', { stableUsd: '0' }, 'must be positive'],
    ['msat as a number', { minPaymentMsat: 1000 }, 'minPaymentMsat'],
    ['an unknown role', { role: 'lender' }, 'role'],
    ['a bad peer id', { channel: { id: '1x1x1', peerId: '02abc' } }, 'channel.peerId'],
    [
      'a credential on the command-line style',
      { lightning: { kind: 'lnd-rest', url: 'https://127.0.0.1:8080', macaroon: 'deadbeef' } },
      'lightning',
    ],
    ['an unknown backend', { lightning: { kind: 'eclair' } }, 'lightning'],
    ['an unknown onUnexplained policy', { onUnexplained: 'ignore' }, 'onUnexplained'],
    ['funding without its agreed start', { funding: true }, 'fundingStart: funding needs fundingStart'],
    ['a funding start with funding off', { fundingStart: '2026-12-01T00:00:00Z' }, 'fundingStart: fundingStart is set'],
    ['a funding start without its zone', { funding: true, fundingStart: '2026-12-01T00:00:00' }, 'fundingStart'],
    ['a funding start as a number', { funding: true, fundingStart: 1_780_000_000_000 }, 'fundingStart'],
    ['a funding start that is no day', { funding: true, fundingStart: '2026-02-30T00:00:00Z' }, 'not a real UTC time'],
    ['metrics without a port', { metrics: { host: '127.0.0.1' } }, 'metrics.port'],
    [
      'more than 100 oracles (a round commits to at most 255 attestations)',
      {
        oracles: Array.from({ length: 101 }, (_, i) => ({
          url: `http://o${i}`,
          publicKey: i.toString(16).padStart(64, '0'),
        })),
      },
      'oracles: Too big',
    ],
    [
      'more than 85 oracles with funding on (three attestations each, 255 at most)',
      {
        funding: true,
        fundingStart: '2026-12-01T00:00:00Z',
        threshold: 2,
        oracles: Array.from({ length: 86 }, (_, i) => ({
          url: `http://o${i}`,
          publicKey: i.toString(16).padStart(64, '0'),
        })),
      },
      'oracles: at most 85 oracles with funding on',
    ],
  ];
  it('pauses on unexplained changes and serves no metrics unless told otherwise', () => {
    const config = parseClientConfig(valid);
    expect([config.onUnexplained, config.metrics]).to.deep.equal(['pause', undefined]);
    const set = parseClientConfig({ ...valid, onUnexplained: 'continue', metrics: { host: '127.0.0.1', port: 9464 } });
    expect([set.onUnexplained, set.metrics]).to.deep.equal(['continue', { host: '127.0.0.1', port: 9464 }]);
  });
  it('reads the agreed funding start as unix ms, the same instant whatever its precision', () => {
    const at = (fundingStart: string) => parseClientConfig({ ...valid, funding: true, fundingStart }).fundingStart;
    expect(at('2026-12-01T00:00:00Z')).to.equal(Date.UTC(2026, 11, 1));
    expect(at('2026-12-01T00:00:00.000Z')).to.equal(Date.UTC(2026, 11, 1));
    expect(parseClientConfig(valid).fundingStart).to.equal(undefined);
  });
  for (const [what, patch, mention] of bad) {
    it(`refuses ${what}, naming the field`, () => {
      expect(() => parseClientConfig({ ...valid, ...patch }))
        .to.throw(ConfigError)
        .with.property('message')
        .that.contains(mention);
    });
  }
});
