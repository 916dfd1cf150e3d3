/**
 * What the plugin tells lightningd about itself (`getmanifest`) and what lightningd tells it back
 * (`init`): its two options, its four RPC methods, the notifications it subscribes to and its one
 * hook, as Core Lightning's plugin documentation describes them (README, "Core Lightning plugin").
 * `init` is a trust boundary: its params are validated here, once, with the settlement config.
 */
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { loadClientConfig, parseClientConfig, type ClientConfig } from '../client/config.js';
import { ConfigError } from '../core/errors.js';

export const CONFIG_OPTION = 'peer-stables-config';
export const SETTINGS_OPTION = 'peer-stables-settings';

export const MANIFEST = Object.freeze({
  options: [
    {
      name: CONFIG_OPTION,
      type: 'string',
      description:
        'settlement configuration file (JSON, lightning.kind "cln-plugin"); relative to the network directory',
    },
    {
      name: SETTINGS_OPTION,
      type: 'string',
      description: `the settlement configuration itself, as one line of JSON (instead of ${CONFIG_OPTION})`,
    },
  ],
  rpcmethods: [
    { name: 'stable-status', usage: '', description: 'the agreement, the channel state and the last rounds' },
    { name: 'stable-settle', usage: '', description: 'run one settlement round now and return its report' },
    { name: 'stable-pause', usage: '', description: 'stop the scheduled rounds (until stable-resume or a restart)' },
    { name: 'stable-resume', usage: '', description: 'restart the scheduled rounds' },
  ],
  subscriptions: ['channel_state_changed', 'shutdown'],
  hooks: [{ name: 'htlc_accepted' }],
  nonnumericids: true,
  dynamic: true,
});

const initSchema = z.object({
  options: z.record(z.string(), z.unknown()).default({}),
  configuration: z.looseObject({
    'lightning-dir': z.string().min(1),
    'rpc-file': z.string().min(1),
  }),
});

export interface PluginSetup {
  readonly config: ClientConfig;
  /** lightningd's JSON-RPC socket, from init's configuration. */
  readonly socketPath: string;
}

/** Validates init's params and the settlement configuration; throws ConfigError saying what is wrong. */
export function parseInit(params: unknown): PluginSetup {
  const init = initSchema.safeParse(params);
  if (!init.success)
    throw new ConfigError(`init from lightningd lacks ${init.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  const { options, configuration } = init.data;
  const file = typeof options[CONFIG_OPTION] === 'string' ? options[CONFIG_OPTION] : '';
  const settings = typeof options[SETTINGS_OPTION] === 'string' ? options[SETTINGS_OPTION] : '';
  if ((file === '') === (settings === ''))
    throw new ConfigError(`set exactly one of ${CONFIG_OPTION} (a file) and ${SETTINGS_OPTION} (JSON)`);
  const config = file !== '' ? loadClientConfig(file) : parseClientConfig(parseSettings(settings));
  if (config.lightning.kind !== 'cln-plugin')
    throw new ConfigError(
      `lightning.kind is "${config.lightning.kind}"; inside Core Lightning it must be "cln-plugin" ` +
        '(the plugin talks to the node lightningd runs it in)',
    );
  const rpcFile = configuration['rpc-file'];
  const socketPath = isAbsolute(rpcFile) ? rpcFile : join(configuration['lightning-dir'], rpcFile);
  return { config, socketPath };
}

function parseSettings(settings: string): unknown {
  try {
    return JSON.parse(settings);
  } catch {
    throw new ConfigError(`${SETTINGS_OPTION} is not valid JSON (${settings.length} characters)`);
  }
}
