import { type DiscoveryService, MetadataScanner } from '@nestjs/core';

/** A provider method that a decorator marked, found at start-up. */
export interface MarkedMethod<T> {
  /** `Class.method`, for messages that name it. */
  name: string;
  /** The provider's class, to read its own metadata (a Bull @Processor's queue). */
  type: abstract new (...args: never[]) => unknown;
  /** The method, bound to its provider instance. */
  call: (...args: never[]) => Promise<unknown>;
  /** What the decorator stored under the key. */
  metadata: T;
}

/**
 * Every method of every provider of the application marked with metadata `key` (SetMetadata on the
 * method), as Immich discovers its job and event handlers. Request-scoped providers have no single
 * instance to call and are left out. Used by start-up checks (WebhookFieldRegistry,
 * JobProcessorsCheck) once every provider exists (onModuleInit or later).
 */
export function markedMethods<T>(discovery: DiscoveryService, key: string): Array<MarkedMethod<T>> {
  const scanner = new MetadataScanner();
  const found: Array<MarkedMethod<T>> = [];
  for (const wrapper of discovery.getProviders()) {
    const instance = wrapper.instance as Record<string, unknown> | undefined;
    if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
    const type = instance.constructor as MarkedMethod<T>['type'];
    for (const method of scanner.getAllMethodNames(Object.getPrototypeOf(instance) as object)) {
      const fn = instance[method] as (...args: never[]) => Promise<unknown>;
      const metadata = Reflect.getMetadata(key, fn) as T | undefined;
      if (metadata !== undefined) found.push({ name: `${type.name}.${method}`, type, call: fn.bind(instance), metadata });
    }
  }
  return found;
}
