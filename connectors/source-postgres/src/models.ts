import type { ClientBase } from 'pg';
import { ConfigError } from '@backflow/protocol/connector';
import { describeSelect, type Field } from './describe.js';
import { toConnectorError, type ErrorScope } from './errors.js';
import type { Model } from './generated/config.js';
import type { Settings } from './settings.js';
import { modelRelation, trimModelSql } from './sql.js';

/** `SELECT <columns> FROM (<model sql>) AS backflow_model`. */
export function modelSelect(model: Model, columns = '*'): string {
  return `SELECT ${columns} FROM ${modelRelation(model.sql)} AS src`;
}

/** Names the model in errors of `statement` and maps Postgres' error position back into the model's SQL. */
export function modelErrorScope(model: Model, settings: Settings, statement: string): ErrorScope {
  const sql = trimModelSql(model.sql);
  return {
    target: settings.target,
    subject: `model "${model.name}"`,
    model: { sql, offset: statement.indexOf(`(\n${sql}\n)`) + 2 },
    statementTimeoutMs: settings.statementTimeoutMs,
  };
}

/**
 * The columns of a model, found by planning it (`LIMIT 0`), never by running it. Fails with
 * a ConfigError carrying Postgres' message and the position in the model's SQL, or naming
 * a duplicate column or a declared primary key or cursor column the query does not return.
 */
export async function describeModel(client: ClientBase, model: Model, settings: Settings): Promise<Field[]> {
  const statement = modelSelect(model);
  let fields: Field[];
  try {
    fields = await describeSelect(client, statement);
  } catch (error) {
    throw toConnectorError(error, modelErrorScope(model, settings, statement));
  }
  const seen = new Set<string>();
  for (const field of fields) {
    if (seen.has(field.name)) {
      throw new ConfigError(
        `model "${model.name}" returns two columns named "${field.name}"; give them distinct aliases`,
      );
    }
    seen.add(field.name);
  }
  for (const column of [...(model.primary_key ?? []), ...(model.cursor_field ? [model.cursor_field] : [])]) {
    if (!seen.has(column)) {
      throw new ConfigError(
        `model "${model.name}" declares column "${column}" (primary_key/cursor_field) but its query returns only ${[...seen].map((c) => `"${c}"`).join(', ')}`,
      );
    }
  }
  return fields;
}
