/** The plugin's settings (`peer-stables-settings`) for one side of a test world, with a fresh ledger. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KEYS, type setup } from '../client/round-setup.js';

export function pluginSettings(
  w: ReturnType<typeof setup>,
  role: 'receiver' | 'provider' = 'receiver',
  extra: Record<string, unknown> = {},
): { readonly ledgerFile: string; readonly [setting: string]: unknown } {
  const peer = role === 'receiver' ? w.provider.node : w.receiver.node;
  const ledgerFile = join(mkdtempSync(join(tmpdir(), 'ps-plugin-')), 'settle.sqlite3');
  return {
    role,
    stableUsd: '100.00',
    channel: { id: w.channel.shortChannelId, peerId: peer.id },
    oracles: KEYS.map((publicKey, i) => ({ url: `http://127.0.0.1:1/${i}`, publicKey })),
    threshold: 2,
    intervalMs: 3_600_000,
    lightning: { kind: 'cln-plugin' },
    ...extra,
    ledgerFile,
  };
}
