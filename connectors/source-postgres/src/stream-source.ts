import type { AirbyteStream } from '@backflow/protocol';
import { ConfigError } from '@backflow/protocol/connector';
import type { ErrorScope } from './errors.js';
import type { Model } from './generated/config.js';
import { modelErrorScope } from './models.js';
import type { Settings } from './settings.js';
import { modelRelation, qualifiedName } from './sql.js';

/** Where a configured stream's rows come from. */
export interface StreamSource {
  /** SQL usable after FROM: a qualified table name or a model subquery. */
  readonly from: string;
  readonly model: Model | undefined;
  /** Names the stream in messages: `table "public.events"`, `model "active_users"`. */
  readonly subject: string;
  /** Error context for a statement selecting from `from`. */
  scope(statement: string): ErrorScope;
}

/** A stream with a namespace is the table `namespace.name`; one without is the model of that name. */
export function streamSource(settings: Settings, stream: AirbyteStream): StreamSource {
  if (stream.namespace) {
    const table = qualifiedName(stream.namespace, stream.name);
    return {
      from: table,
      model: undefined,
      subject: `table "${stream.namespace}.${stream.name}"`,
      scope: () => ({
        target: settings.target,
        subject: `reading table ${table}`,
        statementTimeoutMs: settings.statementTimeoutMs,
      }),
    };
  }
  const model = settings.models.find((candidate) => candidate.name === stream.name);
  if (!model) {
    throw new ConfigError(
      `stream "${stream.name}" has no namespace and no model of that name is configured (table streams carry their schema as namespace)`,
    );
  }
  return {
    from: modelRelation(model.sql),
    model,
    subject: `model "${model.name}"`,
    scope: (statement) => modelErrorScope(model, settings, statement),
  };
}
