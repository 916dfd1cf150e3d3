/**
 * `peer-stables acknowledge`: the operator has checked why the channel moved by an amount no
 * settlement explains (a forward, another keysend, an HTLC held in flight, a fee update) and lets
 * automatic payment resume. It records the unexplained amount the last round measured; it never
 * changes what is owed, which excludes unexplained changes whatever the operator does. Payment stays
 * paused again as soon as the unexplained amount differs from what was acknowledged. It writes
 * beside a running client, without its lock (docs/METHODOLOGY.md, section 9).
 */
import { loadClientConfig } from '../client/config.js';
import { Ledger } from '../client/ledger.js';
import type { Clock } from '../core/clock.js';
import { InputError } from '../core/errors.js';

/**
 * Acknowledges the last measured unexplained amount; with `msat`, only when it is still the amount
 * the operator checked. Returns what was recorded. Throws InputError when no round measured the
 * channel yet or the amount changed.
 */
export function acknowledge(configPath: string, options: { msat?: bigint; clock: Clock }): string {
  const config = loadClientConfig(configPath);
  const ledger = Ledger.openShared(config.ledgerFile);
  try {
    const last = ledger.lastMeasuredRound();
    if (last === null || last.unexplainedMsat === null)
      throw new InputError(
        `no round has measured the channel yet (ledger ${config.ledgerFile}): nothing to acknowledge`,
      );
    const unexplained = last.unexplainedMsat;
    if (options.msat !== undefined && options.msat !== unexplained)
      throw new InputError(
        `--msat ${options.msat}: the unexplained amount is now ${unexplained} msat ` +
          `(round at ${new Date(last.at).toISOString()}); check the channel again`,
      );
    const before = ledger.acknowledgedUnexplainedMsat();
    ledger.acknowledge({ at: options.clock.now(), unexplainedMsat: unexplained });
    return (
      `acknowledged an unexplained change of ${unexplained} msat (measured ${new Date(last.at).toISOString()}; ` +
      `previously acknowledged: ${before} msat). It stays excluded from what is owed; automatic payment resumes ` +
      `while the unexplained amount stays at ${unexplained} msat.`
    );
  } finally {
    ledger.close();
  }
}
