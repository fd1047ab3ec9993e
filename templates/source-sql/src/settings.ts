import type { WithDefaults } from '@backflow/protocol/connector';
import type { Config } from './generated/config.js';

/** The config as the SDK hands it over: valid against spec.json, its defaults filled in. */
export type Settings = WithDefaults<Config, 'port' | 'schema' | 'checkpoint_interval'>;
