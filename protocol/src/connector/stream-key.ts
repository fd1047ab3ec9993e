import type { StreamDescriptor } from '../types.js';

/** A stream's identity as one string: `namespace.name`, or `name` without a namespace. */
export function streamKey(descriptor: StreamDescriptor): string {
  return descriptor.namespace ? `${descriptor.namespace}.${descriptor.name}` : descriptor.name;
}
