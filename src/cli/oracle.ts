/** `peer-stables oracle`: runs the service until SIGINT or SIGTERM, then shuts down cleanly. */
import { existsSync } from 'node:fs';
import { generateKeyFile } from '../attest/keys.js';
import { loadConfig } from '../config/load.js';
import { createLogger } from '../core/log.js';
import { startOracle } from '../oracle/run.js';

export async function runOracle(configPath: string, opts: { initKey: boolean }): Promise<void> {
  const config = loadConfig(configPath);
  const logger = createLogger({ level: config.log.level });
  // A key created now has never signed a funding index: the oracle may start one (METHODOLOGY 8.8).
  const newKey = opts.initKey && !existsSync(config.oracle.keyFile);
  if (newKey) {
    const { publicKeyHex } = generateKeyFile(config.oracle.keyFile);
    logger.info({ keyFile: config.oracle.keyFile, publicKey: publicKeyHex }, 'created a new oracle key');
  }
  if (opts.initKey && config.dlc.enabled && !existsSync(config.dlc.nonceSecretFile)) {
    generateKeyFile(config.dlc.nonceSecretFile);
    logger.info({ nonceSecretFile: config.dlc.nonceSecretFile }, 'created a new DLC nonce secret');
  }
  if (opts.initKey && config.nostr.relays.length > 0 && !existsSync(config.nostr.keyFile)) {
    const { publicKeyHex } = generateKeyFile(config.nostr.keyFile);
    logger.info({ keyFile: config.nostr.keyFile, publicKey: publicKeyHex }, 'created a new Nostr key');
  }
  const oracle = await startOracle(config, { logger, newFundingIndex: newKey });
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'shutting down');
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await oracle.close();
}
