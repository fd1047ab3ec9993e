import type { ConnectorSpecification } from '@backflow/protocol';
import { ConfigError, compileJsonTemplate, type JsonTemplate } from '@backflow/protocol/connector';
import type { Config } from './generated/config.js';

/** The config with the spec's defaults filled in. */
export interface Settings {
  readonly url: string;
  readonly batchSize: number;
  /** Plain and secret headers together, in the order given. */
  readonly headers: Readonly<Record<string, string>>;
  readonly signingSecret: string | undefined;
  readonly signatureHeader: string;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  /** One request per record with this body, when set; else batches in the documented payload. */
  readonly bodyTemplate: JsonTemplate | undefined;
  /** The body for a record removed under `mirror`, with `bodyTemplate`. */
  readonly deleteBodyTemplate: JsonTemplate | undefined;
  /** Values never to repeat in a message: secret header values and the signing secret. */
  readonly secrets: readonly string[];
}

/** Reads the config; absent fields take their `default` from spec.json, the one place they are written. */
export function settingsOf(config: Config, spec: ConnectorSpecification): Settings {
  const properties = (spec.connectionSpecification as { properties: Record<string, { default?: unknown }> }).properties;
  const fallback = <T>(name: keyof Config): T => properties[name]!.default as T;
  return {
    url: config.url,
    batchSize: config.batch_size ?? fallback<number>('batch_size'),
    headers: { ...(config.headers ?? fallback<Record<string, string>>('headers')), ...config.secret_headers },
    signingSecret: config.signing_secret,
    signatureHeader: (config.signature_header ?? fallback<string>('signature_header')).toLowerCase(),
    timeoutMs: (config.timeout_seconds ?? fallback<number>('timeout_seconds')) * 1000,
    maxRetries: config.max_retries ?? fallback<number>('max_retries'),
    bodyTemplate: templateOf(config.body_template, 'body_template'),
    deleteBodyTemplate: templateOf(config.delete_body_template, 'delete_body_template'),
    secrets: [...Object.values(config.secret_headers ?? {}), ...(config.signing_secret ? [config.signing_secret] : [])],
  };
}

function templateOf(template: unknown, field: keyof Config): JsonTemplate | undefined {
  if (template === undefined) return undefined;
  try {
    return compileJsonTemplate(template);
  } catch (error) {
    throw new ConfigError((error as Error).message.replace(/^\$/, `config.${field}`));
  }
}
