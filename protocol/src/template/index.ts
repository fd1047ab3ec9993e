export { FIELD_KEY, compileJsonTemplate, type JsonTemplate } from './json-template.js';
export { compileTemplate, type Template } from './template.js';
export { valueAt } from './value-at.js';
