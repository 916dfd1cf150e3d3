/**
 * Loads one ccxt exchange class by id without importing all of ccxt (the full import costs about
 * 0.45 s and 125 MB; one class about 0.1 s). ccxt's package exports only ".", so the class file
 * is resolved beside the package entry point: js/ccxt.js for `import`, whose classes live in
 * js/src/. When this module runs compiled to CommonJS (tsx under mocha) import.meta.resolve is
 * missing and `require` resolves dist/ccxt.cjs instead, a sibling of js/.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Exchange } from 'ccxt';
import { ConfigError } from '../core/errors.js';

/** The constructor of a ccxt exchange class. */
export type ExchangeClass = new (config?: Record<string, unknown>) => Exchange;

const EXCHANGE_ID = /^[a-z0-9]+$/;

/**
 * Imports the ccxt class of `exchangeId` (e.g. "kraken").
 * Throws ConfigError when the id is malformed or ccxt has no such exchange.
 */
export async function loadExchangeClass(exchangeId: string): Promise<ExchangeClass> {
  // The id becomes part of a file path: the pattern rules out "..", "/" and the like.
  if (!EXCHANGE_ID.test(exchangeId)) {
    throw new ConfigError(`invalid exchange id ${JSON.stringify(exchangeId)}: expected lowercase letters and digits`);
  }
  const url = new URL(`./src/${exchangeId}.js`, ccxtEsmDir());
  if (!existsSync(fileURLToPath(url))) {
    throw new ConfigError(`unknown exchange ${JSON.stringify(exchangeId)}: ccxt has no such exchange`);
  }
  const mod = (await import(url.href)) as { default?: unknown };
  if (typeof mod.default !== 'function') {
    throw new ConfigError(`unknown exchange ${JSON.stringify(exchangeId)}: ccxt module has no exchange class`);
  }
  return mod.default as ExchangeClass;
}

function ccxtEsmDir(): URL {
  if (typeof import.meta.resolve === 'function') return new URL('./', import.meta.resolve('ccxt'));
  return new URL('../js/', pathToFileURL(createRequire(import.meta.url).resolve('ccxt')));
}
