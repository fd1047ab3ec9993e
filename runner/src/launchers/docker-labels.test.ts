import { describe, expect, it } from 'vitest';
import { connectorSlug } from './docker-labels.js';

describe('connectorSlug', () => {
  it('turns a package name into a container-name part without leading or doubled dashes', () => {
    expect(connectorSlug('@backflow/source-postgres')).toBe('backflow-source-postgres');
    expect(connectorSlug('destination-postgres')).toBe('destination-postgres');
    expect(connectorSlug('ghcr.io/Acme/CRM Sync:1.2')).toBe('ghcr.io-acme-crm-sync-1.2');
  });
});
