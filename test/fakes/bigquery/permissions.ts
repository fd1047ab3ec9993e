import type { Principal } from './auth.js';
import { accessDenied } from './errors.js';

/** Path parameters of a call, by their discovery-document names. */
export type PathParams = Record<string, string>;

interface Rule {
  permission: string;
  viewerMay: boolean;
  denial: (p: PathParams) => string;
}

const onDataset = (permission: string) => (p: PathParams) =>
  `Access Denied: Dataset ${p.projectId}:${p.datasetId}: Permission ${permission} denied on dataset ${p.projectId}:${p.datasetId} (or it may not exist).`;
const onTable = (permission: string) => (p: PathParams) =>
  `Access Denied: Table ${p.projectId}:${p.datasetId}.${p.tableId}: Permission ${permission} denied on table ${p.projectId}:${p.datasetId}.${p.tableId} (or it may not exist).`;
const createJob = (p: PathParams): string =>
  `Access Denied: Project ${p.projectId}: User does not have bigquery.jobs.create permission in project ${p.projectId}.`;
const onJob = (p: PathParams): string =>
  `Access Denied: Job ${p.projectId}:${p.jobId}: Permission bigquery.jobs.get denied on job ${p.projectId}:${p.jobId} (or it may not exist).`;

// The IAM permission each method checks; `viewerMay` says whether BigQuery Data Viewer
// (without BigQuery User / Job User) holds it.
const RULES: Record<string, Rule> = {
  'datasets.get': { permission: 'bigquery.datasets.get', viewerMay: true, denial: onDataset('bigquery.datasets.get') },
  'datasets.list': {
    permission: 'bigquery.datasets.list',
    viewerMay: true,
    denial: (p) =>
      `Access Denied: Project ${p.projectId}: User does not have bigquery.datasets.list permission in project ${p.projectId}.`,
  },
  'tables.list': { permission: 'bigquery.tables.list', viewerMay: true, denial: onDataset('bigquery.tables.list') },
  'tables.get': { permission: 'bigquery.tables.get', viewerMay: true, denial: onTable('bigquery.tables.get') },
  'tabledata.list': {
    permission: 'bigquery.tables.getData',
    viewerMay: true,
    denial: onTable('bigquery.tables.getData'),
  },
  'jobs.insert': { permission: 'bigquery.jobs.create', viewerMay: false, denial: createJob },
  'jobs.query': { permission: 'bigquery.jobs.create', viewerMay: false, denial: createJob },
  'jobs.get': { permission: 'bigquery.jobs.get', viewerMay: false, denial: onJob },
  'jobs.getQueryResults': { permission: 'bigquery.jobs.get', viewerMay: false, denial: onJob },
  'jobs.cancel': { permission: 'bigquery.jobs.update', viewerMay: false, denial: onJob },
};

/** Throws BigQuery's 403 accessDenied when the caller's role lacks the method's permission. */
export function authorize(method: string, principal: Principal, params: PathParams): void {
  const rule = RULES[method];
  if (!rule) throw new Error(`no IAM rule for ${method}`);
  const allowed = principal.role === 'user' || (principal.role === 'dataViewer' && rule.viewerMay);
  if (!allowed) throw accessDenied(rule.denial(params));
}
