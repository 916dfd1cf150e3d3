/** Builds the configured Lightning backend; credentials are read from their files here, once. */
import type { LightningConfig } from '../client/config.js';
import { ConfigError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { ClnBackend } from './cln-common.js';
import { createClnRestBackend } from './cln-rest.js';
import { createClnRpcBackend } from './cln-rpc.js';
import { createLndRestBackend } from './lnd-rest.js';
import type { LightningBackend } from './types.js';

/**
 * Throws ConfigError or KeyError (never with a credential's contents) when the backend cannot be
 * set up; for Core Lightning, ClnError `unsupported` when the node has neither xkeysend nor keysend.
 */
export async function createBackend(config: LightningConfig, options: { logger: Logger }): Promise<LightningBackend> {
  switch (config.kind) {
    case 'cln-rpc':
      return checkedCln(createClnRpcBackend({ socketPath: config.socket, logger: options.logger }), options.logger);
    case 'cln-rest':
      return checkedCln(
        createClnRestBackend({
          url: config.url,
          runeFile: config.runeFile,
          ...(config.caFile ? { caFile: config.caFile } : {}),
          logger: options.logger,
        }),
        options.logger,
      );
    case 'cln-plugin':
      throw new ConfigError(
        'lightning.kind "cln-plugin" runs inside Core Lightning (load the peer-stables plugin); ' +
          'the settle command needs "cln-rpc", "cln-rest" or "lnd-rest"',
      );
    case 'lnd-rest':
      return createLndRestBackend({
        url: config.url,
        macaroonFile: config.macaroonFile,
        ...(config.caFile ? { caFile: config.caFile } : {}),
        logger: options.logger,
      });
  }
}

/** Asks the node which keysend command it has, once, at start-up: a node that has neither is refused now. */
async function checkedCln(backend: ClnBackend, logger: Logger): Promise<ClnBackend> {
  try {
    logger.info({ method: await backend.keysendMethod() }, 'Core Lightning pays by this keysend command');
    return backend;
  } catch (err) {
    await backend.close();
    throw err;
  }
}
