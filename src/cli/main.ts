#!/usr/bin/env node
/**
 * The `peer-stables` executable. Each subcommand loads only what it needs (verify never loads
 * ccxt), and every failure ends in one line on stderr and a non-zero exit, never a stack trace.
 */
import { Command, InvalidArgumentError } from 'commander';
import { PeerStablesError } from '../core/errors.js';
import { SOFTWARE_VERSION } from '../oracle/version.js';

function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65_535) throw new InvalidArgumentError('expected a port number 0-65535');
  return n;
}

/** "host:port" ("[::1]:8081" for IPv6); commander passes true when the option has no value. */
function listenAddress(value: string): { host: string; port: number } {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:\s]+):(\d{1,5})$/.exec(value);
  if (match === null || Number(match[2]) > 65_535)
    throw new InvalidArgumentError('expected host:port, e.g. 127.0.0.1:8081');
  return { host: (match[1] as string).replace(/^\[|\]$/g, ''), port: Number(match[2]) };
}

function positiveSeconds(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || n <= 0) throw new InvalidArgumentError('expected a positive number of seconds');
  return n;
}

function msatAmount(value: string): bigint {
  if (!/^-?(0|[1-9]\d*)$/.test(value))
    throw new InvalidArgumentError('expected an integer number of msat, e.g. -10000000');
  return BigInt(value);
}

/** Runs an action and turns any error into one line on stderr and exit code 1. */
function run<A extends unknown[]>(action: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await action(...args);
    } catch (err) {
      const message = err instanceof PeerStablesError ? err.message : `unexpected error: ${(err as Error).message}`;
      process.stderr.write(`peer-stables: ${message}\n`);
      process.exitCode = 1;
    }
  };
}

const program = new Command()
  .name('peer-stables')
  .description('Signed BTC/USD price oracle for Lightning stable channels')
  .version(SOFTWARE_VERSION);

program
  .command('keygen')
  .description('write a new oracle secret key file (mode 0600) and print its public key')
  .option('-o, --out <file>', 'key file to write', 'data/oracle.key')
  .option('--force', 'overwrite an existing key file (the old key is lost)')
  .option('--if-missing', 'do nothing if the key file already exists')
  .action(
    run(async (opts: { out: string; force?: boolean; ifMissing?: boolean }) => {
      const { keygen } = await import('./keygen.js');
      process.stdout.write(`${keygen(opts.out, { force: opts.force === true, ifMissing: opts.ifMissing === true })}\n`);
    }),
  );

program
  .command('oracle')
  .description('run the oracle service: poll exchanges, sign the index, serve the HTTP API')
  .requiredOption('-c, --config <file>', 'configuration file (JSON)')
  .option('--init-key', 'create the key file named in the configuration if it does not exist')
  .action(
    run(async (opts: { config: string; initKey?: boolean }) => {
      const { runOracle } = await import('./oracle.js');
      await runOracle(opts.config, { initKey: opts.initKey === true });
    }),
  );

program
  .command('funding-index')
  .description(
    'give the oracle a funding index to continue when none is stored for its key (docs/METHODOLOGY.md 8.8); ' +
      'run it with the oracle stopped',
  )
  .requiredOption('-c, --config <file>', 'configuration file (JSON)')
  .option('--new', 'start a new index: only for a key that never signed one')
  .option('--restore <source>', 'continue from the last funding_index this key signed (file, "-" or URL)')
  .action(
    run(async (opts: { config: string; new?: boolean; restore?: string }) => {
      const { fundingIndexCommand } = await import('./funding-index.js');
      process.stdout.write(`${await fundingIndexCommand(opts.config, opts)}\n`);
    }),
  );

program
  .command('simulate')
  .description('run the local exchange simulator that answers ccxt like the real exchanges')
  .option('-s, --scenario <file>', 'scenario file (JSON)', 'config/scenarios/calm.json')
  .option('-p, --port <port>', 'port to listen on', port, 8090)
  .option('--host <host>', 'address to bind', '127.0.0.1')
  .action(
    run(async (opts: { scenario: string; port: number; host: string }) => {
      const { runSimulator } = await import('./simulate.js');
      await runSimulator(opts);
    }),
  );

program
  .command('verify')
  .description(
    'verify a signed attestation, or a DLC announcement/attestation (/dlc/...), from a file, "-" for stdin, ' +
      'an http(s) URL or a Nostr relay (nostr:wss://relay#<nostr pubkey>)',
  )
  .argument('[source]', 'file path, "-", URL or nostr: source', '-')
  .requiredOption('-k, --pubkey <hex>', "the oracle's 32-byte x-only public key (hex)")
  .option('--max-age <seconds>', 'also reject an attestation observed longer ago than this', positiveSeconds)
  .option('--json', 'print the verified attestation as JSON')
  // No defaults here: verifyCommand reads index_price BTC/USD from a relay unless told, and checks
  // the kind and pair of any other source only when they are given.
  .option('--kind <kind>', 'the kind the attestation must be; from a nostr: source, the one read (index_price)')
  .option('--pair <pair>', 'the pair the attestation must be of; from a nostr: source, the one read (BTC/USD)')
  .action(
    run(
      async (source: string, opts: { pubkey: string; maxAge?: number; json?: boolean; kind: string; pair: string }) => {
        const { verifyCommand } = await import('./verify.js');
        process.stdout.write(`${await verifyCommand(source, opts)}\n`);
      },
    ),
  );

program
  .command('settle')
  .description('run the settlement client beside your Lightning node: verify quotes, then pay what is owed')
  .requiredOption('-c, --config <file>', 'settlement configuration (JSON)')
  .option('--once', 'run one round and exit')
  .option('--dry-run', 'compute and print what would be paid; pay nothing, write nothing (runs beside the client)')
  .option('--dashboard [host:port]', 'serve the read-only agreement dashboard (default 127.0.0.1:8081)', listenAddress)
  .action(
    run(
      async (opts: {
        config: string;
        once?: boolean;
        dryRun?: boolean;
        dashboard?: true | { host: string; port: number };
      }) => {
        const { runSettle } = await import('./settle.js');
        const { DEFAULT_DASHBOARD_ADDRESS } = await import('../client/dashboard-server.js');
        const dashboard = opts.dashboard === true ? DEFAULT_DASHBOARD_ADDRESS : opts.dashboard;
        await runSettle({
          config: opts.config,
          once: opts.once === true,
          dryRun: opts.dryRun === true,
          ...(dashboard === undefined ? {} : { dashboard }),
        });
      },
    ),
  );

program
  .command('status')
  .description(
    'print the agreement, its accounting (unexplained amount, paused or not), outages, ' +
      "the last rounds and payments, and the peer's misses",
  )
  .requiredOption('-c, --config <file>', 'settlement configuration (JSON)')
  .option('--json', 'print the status as JSON: the figures the agreement dashboard shows')
  .action(
    run(async (opts: { config: string; json?: boolean }) => {
      const { statusJson, statusText } = await import('./status.js');
      process.stdout.write(`${opts.json === true ? statusJson(opts.config) : statusText(opts.config)}\n`);
    }),
  );

program
  .command('acknowledge')
  .description(
    'after checking the channel, let payment resume: ' +
      'record the unexplained amount the last round measured (it is never paid for)',
  )
  .requiredOption('-c, --config <file>', 'settlement configuration (JSON)')
  .option('--msat <amount>', 'only if the unexplained amount is still this (the amount you checked)', msatAmount)
  .action(
    run(async (opts: { config: string; msat?: bigint }) => {
      const { acknowledge } = await import('./acknowledge.js');
      const { systemClock } = await import('../core/clock.js');
      process.stdout.write(`${acknowledge(opts.config, { msat: opts.msat, clock: systemClock })}\n`);
    }),
  );

program
  .command('plugin')
  .description('run as a Core Lightning plugin on stdin/stdout (lightningd starts it: plugin=<path to peer-stables>)')
  .action(
    run(async () => {
      const { runPluginProcess } = await import('../plugin/process.js');
      await runPluginProcess();
    }),
  );

program
  .command('demo')
  .description('offline demo: start the simulator and an oracle, then fetch and verify a quote')
  .option('--keep', 'keep both running after the quote is printed (Ctrl-C to stop)')
  .action(
    run(async (opts: { keep?: boolean }) => {
      const { runDemo } = await import('./demo.js');
      await runDemo({ keep: opts.keep === true });
    }),
  );

// lightningd starts a plugin with no arguments and LIGHTNINGD_PLUGIN set: `plugin=<path to peer-stables>` works as is.
if (process.env.LIGHTNINGD_PLUGIN && process.argv.length <= 2) await program.parseAsync([...process.argv, 'plugin']);
else await program.parseAsync(process.argv);
