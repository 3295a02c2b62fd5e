/**
 * A value per request in a process that serves several at once (the supervisor): what a
 * request sets is what every function it calls, and every callback it schedules, reads.
 * node:async_hooks is required at the first `within`: the commands that serve one request,
 * every listing among them, never load it.
 */
import type { AsyncLocalStorage } from 'node:async_hooks';

export class RequestLocal<T> {
  private storage: AsyncLocalStorage<T> | undefined;

  /** Runs `fn`, and all it starts, with `value`. */
  within<R>(value: T, fn: () => R): R {
    if (!this.storage) {
      const { AsyncLocalStorage } = require('node:async_hooks') as typeof import('node:async_hooks');
      this.storage = new AsyncLocalStorage<T>();
    }
    return this.storage.run(value, fn);
  }

  /** The value of the request being served, or undefined outside any `within`. */
  get(): T | undefined {
    return this.storage?.getStore();
  }
}
