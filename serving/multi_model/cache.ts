/**
 * One worker's in-memory models: a least-recently-used cache with a byte budget.
 *
 * Each model is cached under its name together with the registry generation it was loaded
 * for, so a model unloaded and loaded again is never answered from the old copy. A model's
 * size is an estimate given by the caller (the model file's size: `bench/multi_model.ts`
 * compares it with the measured memory per model).
 *
 * A model evicted while a request still uses it stays alive until that request ends; only the
 * cache forgets it, so the budget can be exceeded briefly by the models of in-flight requests.
 *
 * @module
 */

/** A cached value with its generation and size. */
interface Slot<T> {
  readonly generation: string;
  readonly value: T;
  readonly bytes: number;
}

/** Options of {@linkcode ModelCache}. */
export interface ModelCacheOptions {
  /** The byte budget. */
  readonly maxBytes: number;
  /** Called for every model evicted to make room (not for {@linkcode ModelCache.delete}). */
  readonly onEvict?: (name: string, bytes: number) => void;
}

/** A least-recently-used cache of models, by name, within a byte budget. */
export class ModelCache<T> {
  #slots = new Map<string, Slot<T>>();
  #bytes = 0;
  #options: ModelCacheOptions;

  /** Creates an empty cache. */
  constructor(options: ModelCacheOptions) {
    this.#options = options;
  }

  /** The byte budget. */
  get maxBytes(): number {
    return this.#options.maxBytes;
  }

  /** The bytes of all cached models. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Number of cached models. */
  get size(): number {
    return this.#slots.size;
  }

  /** True when `name` is cached (with any generation); does not count as a use. */
  has(name: string): boolean {
    return this.#slots.has(name);
  }

  /** The model cached for `name` and `generation`, marked as just used; else undefined. */
  get(name: string, generation: string): T | undefined {
    const slot = this.#slots.get(name);
    if (slot === undefined) return undefined;
    if (slot.generation !== generation) {
      this.delete(name);
      return undefined;
    }
    this.#slots.delete(name);
    this.#slots.set(name, slot);
    return slot.value;
  }

  /**
   * Caches `value` as the most recently used model, evicting the least recently used ones
   * until it fits. Returns false, caching nothing, when `bytes` alone exceeds the budget.
   */
  set(name: string, generation: string, value: T, bytes: number): boolean {
    if (bytes > this.#options.maxBytes) return false;
    this.delete(name);
    for (const [victim, slot] of this.#slots) {
      if (this.#bytes + bytes <= this.#options.maxBytes) break;
      this.#slots.delete(victim);
      this.#bytes -= slot.bytes;
      this.#options.onEvict?.(victim, slot.bytes);
    }
    this.#slots.set(name, { generation, value, bytes });
    this.#bytes += bytes;
    return true;
  }

  /** Forgets `name`; returns true when it was cached. */
  delete(name: string): boolean {
    const slot = this.#slots.get(name);
    if (slot === undefined) return false;
    this.#slots.delete(name);
    this.#bytes -= slot.bytes;
    return true;
  }

  /** Forgets every model whose name is not in `names`; returns the names forgotten. */
  retainOnly(names: ReadonlySet<string>): string[] {
    const dropped: string[] = [];
    for (const name of [...this.#slots.keys()]) {
      if (!names.has(name)) {
        this.delete(name);
        dropped.push(name);
      }
    }
    return dropped;
  }
}
