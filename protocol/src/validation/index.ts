export { ProtocolError } from './protocol-error.js';
export type { ProtocolErrorFields, ProtocolLocation } from './protocol-error.js';
export { applySpecDefaults, compileConfigSchema, compileSchema, validateMessage, validateWith } from './validate.js';
export type { CompiledSchema, Where } from './validate.js';
export { payloadFieldByType } from './message-rules.js';
