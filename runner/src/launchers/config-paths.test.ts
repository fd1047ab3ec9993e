import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configPaths } from './config-paths.js';

const spec = (connector: string) =>
  (
    JSON.parse(readFileSync(new URL(`../../../connectors/${connector}/spec.json`, import.meta.url), 'utf8')) as {
      connectionSpecification: unknown;
    }
  ).connectionSpecification;

describe('configPaths', () => {
  it("finds source-duckdb's database file and each file path, to be read", () => {
    const config = {
      path: 'sample-warehouse/warehouse.duckdb',
      files: [
        { name: 'leads', path: 'data/leads.csv' },
        { name: 'orders', path: '/exports/orders-*.parquet' },
      ],
      models: [{ name: 'm', sql: 'select 1' }],
    };
    expect(configPaths(spec('source-duckdb'), config)).toEqual([
      { path: 'sample-warehouse/warehouse.duckdb', access: 'read' },
      { path: 'data/leads.csv', access: 'read' },
      { path: '/exports/orders-*.parquet', access: 'read' },
    ]);
  });

  it("finds destination-file's directory, to be written", () => {
    expect(configPaths(spec('destination-file'), { directory: 'output', format: 'csv' })).toEqual([
      { path: 'output', access: 'write' },
    ]);
  });

  it('skips annotated fields the config leaves out, and values that are not strings', () => {
    expect(configPaths(spec('source-duckdb'), { models: [{ name: 'm', sql: 'select 1' }] })).toEqual([]);
    const schema = { properties: { dir: { backflow_path: 'write' } } };
    expect(configPaths(schema, { dir: 3 })).toEqual([]);
    expect(configPaths(schema, undefined)).toEqual([]);
  });

  it('follows combinators and tuple items', () => {
    const schema = {
      oneOf: [
        { properties: { mode: { const: 'local' }, folder: { backflow_path: 'write' } } },
        { properties: { mode: { const: 'remote' } } },
      ],
      properties: { inputs: { items: [{ backflow_path: 'read' }, { type: 'string' }] } },
    };
    expect(configPaths(schema, { mode: 'local', folder: '/out', inputs: ['/in', '/not-a-path'] })).toEqual([
      { path: '/out', access: 'write' },
      { path: '/in', access: 'read' },
    ]);
  });
});
