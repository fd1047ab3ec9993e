import { ConfigError, type WithDefaults } from '@backflow/protocol/connector';
import type { BigQuerySourceConfig, Model } from './generated/config.js';

/** The fields of a service-account key file the connector uses. */
export interface ServiceAccountKey {
  readonly client_email: string;
  readonly private_key: string;
  readonly private_key_id?: string;
  readonly token_uri?: string;
}

/** The config with defaults applied and the key file parsed. */
export interface Settings {
  readonly key: ServiceAccountKey;
  readonly projectId: string;
  readonly datasetId: string;
  readonly location: string;
  readonly apiEndpoint: string | undefined;
  /** Table names to expose; undefined for every table and view of the dataset. */
  readonly tables: readonly string[] | undefined;
  readonly models: readonly Model[];
  readonly checkpointInterval: number;
  readonly pageSize: number;
}

/** The config as the SDK hands it over: valid against spec.json, with the spec's defaults filled in. */
export type SourceConfig = WithDefaults<
  BigQuerySourceConfig,
  'location' | 'models' | 'checkpoint_interval' | 'page_size'
>;

/** Checks what JSON Schema cannot (the key file's content) and resolves the config. */
export function resolveSettings(config: SourceConfig): Settings {
  const names = new Set<string>();
  for (const model of config.models) {
    if (names.has(model.name))
      throw new ConfigError(`two models are named "${model.name}"; model names must be unique`);
    names.add(model.name);
  }
  return {
    key: parseKey(config.credentials_json),
    projectId: config.project_id,
    datasetId: config.dataset_id,
    location: config.location,
    apiEndpoint: config.api_endpoint?.replace(/\/+$/, ''),
    tables: config.tables,
    models: config.models,
    checkpointInterval: config.checkpoint_interval,
    pageSize: config.page_size,
  };
}

// Messages here never quote the key: it is a secret, and a parse error would echo part of it.
function parseKey(text: string): ServiceAccountKey {
  let key: unknown;
  try {
    key = JSON.parse(text);
  } catch {
    throw new ConfigError('"credentials_json" is not valid JSON; paste the whole service-account key file');
  }
  if (!key || typeof key !== 'object' || Array.isArray(key)) {
    throw new ConfigError('"credentials_json" must be a JSON object (a service-account key file)');
  }
  const fields = key as Record<string, unknown>;
  if (fields.type !== undefined && fields.type !== 'service_account') {
    throw new ConfigError(
      `"credentials_json" is a key of type "${String(fields.type)}"; a service-account key ("type": "service_account") is needed`,
    );
  }
  for (const field of ['client_email', 'private_key'] as const) {
    if (typeof fields[field] !== 'string' || fields[field] === '') {
      throw new ConfigError(`"credentials_json" has no "${field}"; paste the whole service-account key file`);
    }
  }
  for (const field of ['private_key_id', 'token_uri'] as const) {
    if (fields[field] !== undefined && typeof fields[field] !== 'string') {
      throw new ConfigError(`"credentials_json" has a non-string "${field}"`);
    }
  }
  return fields as unknown as ServiceAccountKey;
}
