import type { ErrorObject } from 'ajv';
import { describeValue, truncate } from './describe-value.js';
import type { ProtocolErrorFields } from './protocol-error.js';
import { isSecretSchema, maskSecrets, secretMask } from './secrets.js';

type Described = Pick<ProtocolErrorFields, 'rule' | 'path' | 'expected' | 'actual'>;

const maxListed = 12;

/**
 * Turns ajv's errors (collected with `verbose: true`, `allErrors: false`) into the single
 * most useful description. ajv reports the failure that stopped validation last, after the
 * errors of any oneOf/anyOf/if branches it tried, so the last error is the outermost one.
 */
export function describeErrors(errors: readonly ErrorObject[], secretNames: ReadonlySet<string>): Described {
  const last = errors[errors.length - 1];
  if (last === undefined) {
    return { rule: 'schema', path: '', expected: 'valid', actual: 'an invalid value' };
  }
  const inner = errors.slice(0, -1);
  if ((last.keyword === 'oneOf' || last.keyword === 'anyOf') && inner.length > 0) {
    return describeAlternatives(last, inner, secretNames);
  }
  if (last.keyword === 'if' && inner.length > 0) return describeErrors(inner, secretNames);
  return describeOne(last, secretNames);
}

function describeAlternatives(
  combinator: ErrorObject,
  inner: readonly ErrorObject[],
  secretNames: ReadonlySet<string>,
): Described {
  const passing = (combinator.params as { passingSchemas?: number[] | null }).passingSchemas;
  if (passing) {
    return {
      rule: combinator.keyword,
      path: combinator.instancePath,
      expected: 'exactly one alternative',
      actual: `${describeData(combinator, secretNames)}, matching alternatives ${passing.join(' and ')}`,
    };
  }
  const prefix = `${combinator.schemaPath}/`;
  const branches = new Map<string, ErrorObject[]>();
  for (const error of inner) {
    if (!error.schemaPath.startsWith(prefix)) continue;
    const index = error.schemaPath.slice(prefix.length).split('/')[0] ?? '';
    branches.set(index, [...(branches.get(index) ?? []), error]);
  }
  const base = depthOf(combinator.instancePath);
  const branchSchemas = Array.isArray(combinator.schema) ? (combinator.schema as unknown[]) : [];
  const described = [...branches].map(([index, branchErrors]) => {
    const mismatch = discriminatorMismatch(branchSchemas[Number(index)], combinator, secretNames);
    return {
      description: mismatch ?? describeErrors(branchErrors, secretNames),
      discriminated: mismatch === undefined && hasDiscriminator(branchSchemas[Number(index)]),
      depth: mismatch ? base : Math.max(...branchErrors.map((error) => progress(error, base))),
    };
  });
  // A branch whose discriminator (a property with a `const`, like Airbyte's `auth_type`)
  // matches is the one meant; failing that, the branch that got furthest into the value.
  const matching = described.filter((branch) => branch.discriminated);
  if (matching.length === 1 && matching[0] !== undefined) return matching[0].description;
  const deepest = Math.max(...described.map((branch) => branch.depth));
  const furthest = described.filter((branch) => branch.depth === deepest);
  if (furthest.length === 1 && furthest[0] !== undefined && deepest > base) {
    return furthest[0].description;
  }
  const alternatives = described.map(
    ({ description }) => `${relativePath(description.path, combinator.instancePath)} must be ${description.expected}`,
  );
  return {
    rule: combinator.keyword,
    path: combinator.instancePath,
    expected: truncate(`one of ${alternatives.length} alternatives (${alternatives.join(' | ')})`, 240),
    actual: describeData(combinator, secretNames),
  };
}

function constProperties(schema: unknown): [string, unknown][] {
  const properties = (schema as { properties?: Record<string, { const?: unknown }> } | undefined)?.properties;
  if (properties === null || typeof properties !== 'object') return [];
  return Object.entries(properties)
    .filter(([, property]) => property !== null && typeof property === 'object' && 'const' in property)
    .map(([name, property]) => [name, property.const]);
}

const hasDiscriminator = (schema: unknown): boolean => constProperties(schema).length > 0;

/** The first `const` property of a branch that the data contradicts, described as an error. */
function discriminatorMismatch(
  schema: unknown,
  combinator: ErrorObject,
  secretNames: ReadonlySet<string>,
): Described | undefined {
  const data: unknown = combinator.data;
  if (data === null || typeof data !== 'object') return undefined;
  for (const [name, value] of constProperties(schema)) {
    const actual = (data as Record<string, unknown>)[name];
    if (JSON.stringify(actual) !== JSON.stringify(value)) {
      return {
        rule: 'const',
        path: `${combinator.instancePath}/${escapePointer(name)}`,
        expected: JSON.stringify(value),
        actual: secretNames.has(name) ? secretMask : describeValue(actual),
      };
    }
  }
  return undefined;
}

function describeOne(error: ErrorObject, secretNames: ReadonlySet<string>): Described {
  const params = error.params as Record<string, unknown>;
  const path = error.instancePath;
  const base = { rule: error.keyword, path };
  switch (error.keyword) {
    case 'required':
      return {
        ...base,
        path: `${path}/${escapePointer(String(params.missingProperty))}`,
        expected: 'present',
        actual: 'nothing',
      };
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      const allowed = Object.keys((error.parentSchema?.properties as Record<string, unknown> | undefined) ?? {});
      const value = (error.data as Record<string, unknown> | undefined)?.[name];
      return {
        ...base,
        path: `${path}/${escapePointer(name)}`,
        expected: `absent (${didYouMean(name, allowed)}allowed properties: ${allowed.length ? listed(allowed) : 'none'})`,
        actual: secretNames.has(name) ? secretMask : describeValue(maskSecrets(value, secretNames)),
      };
    }
    case 'type':
      return {
        ...base,
        expected: String(params.type).split(',').join(' or '),
        actual: describeData(error, secretNames),
      };
    case 'enum':
      return {
        ...base,
        expected: `one of ${listed((params.allowedValues as unknown[]).map((v) => JSON.stringify(v)))}`,
        actual: describeData(error, secretNames),
      };
    case 'const':
      return {
        ...base,
        expected: JSON.stringify(params.allowedValue),
        actual: describeData(error, secretNames),
      };
    case 'format':
      return {
        ...base,
        expected: `a valid ${String(params.format)}`,
        actual: describeData(error, secretNames),
      };
    case 'pattern': {
      const hint = error.parentSchema?.pattern_descriptor;
      const described = `a string matching /${String(params.pattern)}/`;
      return {
        ...base,
        expected: typeof hint === 'string' ? `${described} (${hint})` : described,
        actual: describeData(error, secretNames),
      };
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return {
        ...base,
        expected: `${String(params.comparison)} ${String(params.limit)}`,
        actual: describeData(error, secretNames),
      };
    case 'minLength':
    case 'maxLength':
      return {
        ...base,
        expected: `${bound(error.keyword)} ${String(params.limit)} characters long`,
        actual: describeData(error, secretNames),
      };
    case 'minItems':
    case 'maxItems':
      return {
        ...base,
        expected: `an array of ${bound(error.keyword)} ${String(params.limit)} items`,
        actual: describeData(error, secretNames),
      };
    case 'minProperties':
    case 'maxProperties':
      return {
        ...base,
        expected: `an object with ${bound(error.keyword)} ${String(params.limit)} properties`,
        actual: describeData(error, secretNames),
      };
    default:
      return {
        ...base,
        expected: (error.message ?? 'valid').replace(/^must (be )?/, ''),
        actual: describeData(error, secretNames),
      };
  }
}

function describeData(error: ErrorObject, secretNames: ReadonlySet<string>): string {
  const last = error.instancePath.split('/').pop() ?? '';
  if (isSecretSchema(error.parentSchema) || secretNames.has(unescapePointer(last))) {
    return secretMask;
  }
  return describeValue(maskSecrets(error.data, secretNames));
}

const bound = (keyword: string): string => (keyword.startsWith('min') ? 'at least' : 'at most');

function listed(items: readonly string[]): string {
  const shown = items.slice(0, maxListed).join(', ');
  return items.length > maxListed ? `${shown}, … (${items.length} in all)` : shown;
}

/**
 * How far into the value a branch got before failing. A wrong type for the whole value, or
 * a wrong const/enum on one of its fields (a discriminator like `auth_type`), means "not
 * this alternative", so it counts as no progress.
 */
function progress(error: ErrorObject, base: number): number {
  const depth = depthOf(error.instancePath);
  if (error.keyword === 'type' && depth === base) return base;
  if ((error.keyword === 'const' || error.keyword === 'enum') && depth <= base + 1) return base;
  return depth;
}

const depthOf = (pointer: string): number => (pointer === '' ? 0 : pointer.split('/').length - 1);

function relativePath(path: string, base: string): string {
  const rest = path.slice(base.length);
  return rest === '' ? 'value' : rest.slice(1);
}

const escapePointer = (segment: string): string => segment.replace(/~/g, '~0').replace(/\//g, '~1');
const unescapePointer = (segment: string): string => segment.replace(/~1/g, '/').replace(/~0/g, '~');

/** `did you mean "behaviour"? ` for a name a typo or two away from an allowed one (`behavior`), else nothing. */
function didYouMean(name: string, allowed: readonly string[]): string {
  const limit = Math.min(2, Math.floor(name.length / 3));
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of allowed) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance <= limit && (!best || distance < best.distance)) best = { candidate, distance };
  }
  return best ? `did you mean "${best.candidate}"? ` : '';
}

/** Levenshtein distance (insertions, deletions, substitutions), one row at a time. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}
