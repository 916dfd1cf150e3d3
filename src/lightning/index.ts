/** Builds the configured Lightning backend; credentials are read from their files here, once. */
import type { LightningConfig } from '../client/config.js';
import type { Logger } from '../core/log.js';
import { createClnRestBackend } from './cln-rest.js';
import { createClnRpcBackend } from './cln-rpc.js';
import { createLndRestBackend } from './lnd-rest.js';
import type { LightningBackend } from './types.js';

/** Throws ConfigError or KeyError (never with a credential's contents) when the backend cannot be set up. */
export async function createBackend(config: LightningConfig, options: { logger: Logger }): Promise<LightningBackend> {
  switch (config.kind) {
    case 'cln-rpc':
      return createClnRpcBackend({ socketPath: config.socket, logger: options.logger });
    case 'cln-rest':
      return createClnRestBackend({
        url: config.url,
        runeFile: config.runeFile,
        ...(config.caFile ? { caFile: config.caFile } : {}),
        logger: options.logger,
      });
    case 'lnd-rest':
      return createLndRestBackend({
        url: config.url,
        macaroonFile: config.macaroonFile,
        ...(config.caFile ? { caFile: config.caFile } : {}),
        logger: options.logger,
      });
  }
}
