/**
 * The registry of loaded models that every worker shares: one small JSON file per model in a
 * folder that `serve` creates for its workers.
 *
 * - Adding is atomic and exclusive: the entry is written whole to a temporary file, then
 *   hard-linked to `<name>.json`. `link` fails when the name exists, so of several concurrent
 *   loads of one name exactly one wins, and no reader ever sees a half-written entry (which
 *   `Deno.open(path, { createNew: true })` followed by a write would allow).
 * - Removing renames the entry away first, so of several concurrent unloads exactly one wins.
 * - Every entry carries a random `generation`: unloading a name and loading it again (even from
 *   the same url) gives a new generation, which workers compare with their cached copy.
 * - A loaded model is a snapshot: the bytes validated at load time are copied into the folder
 *   ({@linkcode ModelRegistry.snapshotFile}), and workers read that copy, never the user's file
 *   again. So every worker serves the same model until it is unloaded, even when the user's
 *   file is replaced or deleted, or a worker restarts. Removing an entry deletes its copy.
 *
 * Reading an entry is one small synchronous file read (about 10 µs on this project's CI
 * machine, see `bench/multi_model.ts`), cheap enough to do on every invocation.
 *
 * @module
 */

/** Model names: a letter or digit, then up to 199 letters, digits, `.`, `_` or `-`. */
export const MODEL_NAME_PATTERN: RegExp = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/** True when `name` is a valid model name; only such names reach file names and logs. */
export function isValidModelName(name: string): boolean {
  return MODEL_NAME_PATTERN.test(name);
}

/** One registered model. */
export interface RegistryEntry {
  /** The model name. */
  readonly name: string;
  /** The `url` it was loaded from, as the client sent it. */
  readonly url: string;
  /** The snapshot of the model file workers load from ({@linkcode ModelRegistry.snapshotFile}). */
  readonly modelFile: string;
  /** A random id of this load of the model. */
  readonly generation: string;
  /** When it was loaded (ISO 8601). */
  readonly loadedAt: string;
  /** Size of the model file in bytes, the estimate of its memory use. */
  readonly bytes: number;
  /** The model's summary, from `describeModel`. */
  readonly summary: Readonly<Record<string, string | number>>;
}

/** One page of {@linkcode ModelRegistry.list}. */
export interface RegistryPage {
  /** The entries of the page, sorted by name. */
  readonly entries: RegistryEntry[];
  /** The name to continue after, when there are more entries. */
  readonly nextAfter: string | undefined;
}

const ENTRY_SUFFIX = ".json";

function isNotFound(error: unknown): boolean {
  return error instanceof Deno.errors.NotFound;
}

function parseEntry(text: string, path: string): RegistryEntry {
  const entry = JSON.parse(text) as RegistryEntry;
  if (typeof entry?.name !== "string" || typeof entry.generation !== "string") {
    throw new Error(`Registry entry ${path} is damaged`);
  }
  return entry;
}

/** The shared registry in folder `dir`; names must be valid ({@linkcode isValidModelName}). */
export class ModelRegistry {
  /** The registry folder. */
  readonly dir: string;

  /** Opens the registry in `dir`, which must exist. */
  constructor(dir: string) {
    this.dir = dir;
  }

  /** Creates a new, empty registry folder (mode 0700) under the system's temporary folder. */
  static async create(): Promise<ModelRegistry> {
    const dir = await Deno.makeTempDir({ prefix: "sagemaker-models-" });
    await Deno.chmod(dir, 0o700);
    return new ModelRegistry(dir);
  }

  #path(name: string): string {
    if (!isValidModelName(name)) throw new Error(`Invalid model name ${JSON.stringify(name)}`);
    return `${this.dir}/${name}${ENTRY_SUFFIX}`;
  }

  /** Where the model snapshot of load `generation` is kept: a hidden file in the folder. */
  snapshotFile(generation: string): string {
    if (!/^[A-Za-z0-9-]+$/.test(generation)) {
      throw new Error(`Invalid generation ${JSON.stringify(generation)}`);
    }
    return `${this.dir}/.model-${generation}`;
  }

  /** The entry of `name`, or undefined when no such model is loaded. Synchronous and cheap. */
  read(name: string): RegistryEntry | undefined {
    const path = this.#path(name);
    let text: string;
    try {
      text = Deno.readTextFileSync(path);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
    return parseEntry(text, path);
  }

  /** Adds `entry` unless its name exists; returns false when it does (nothing is changed). */
  async add(entry: RegistryEntry): Promise<boolean> {
    const path = this.#path(entry.name);
    const temporary = `${this.dir}/.add-${crypto.randomUUID()}`;
    await Deno.writeTextFile(temporary, JSON.stringify(entry), { mode: 0o600 });
    try {
      await Deno.link(temporary, path);
      return true;
    } catch (error) {
      if (error instanceof Deno.errors.AlreadyExists) return false;
      throw error;
    } finally {
      await Deno.remove(temporary).catch(() => {});
    }
  }

  /**
   * Removes `name` and its snapshot; returns its entry, or undefined when it was not there (or
   * lost a race).
   */
  async remove(name: string): Promise<RegistryEntry | undefined> {
    const path = this.#path(name);
    const removed = `${this.dir}/.remove-${crypto.randomUUID()}`;
    try {
      await Deno.rename(path, removed);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
    try {
      const entry = parseEntry(await Deno.readTextFile(removed), path);
      if (entry.modelFile === this.snapshotFile(entry.generation)) {
        await Deno.remove(entry.modelFile).catch(() => {});
      }
      return entry;
    } finally {
      await Deno.remove(removed).catch(() => {});
    }
  }

  /** The names of every registered model, unsorted. */
  async names(): Promise<Set<string>> {
    const names = new Set<string>();
    for await (const item of Deno.readDir(this.dir)) {
      if (item.name.startsWith(".") || !item.name.endsWith(ENTRY_SUFFIX)) continue;
      names.add(item.name.slice(0, -ENTRY_SUFFIX.length));
    }
    return names;
  }

  /** Up to `limit` entries with names after `after` (all when undefined), sorted by name. */
  async list(options: { after?: string; limit: number }): Promise<RegistryPage> {
    const after = options.after;
    const sorted = [...await this.names()]
      .filter((name) => after === undefined || name > after)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const entries: RegistryEntry[] = [];
    let index = 0;
    for (; index < sorted.length && entries.length < options.limit; index++) {
      const entry = this.read(sorted[index]);
      if (entry !== undefined) entries.push(entry); // else unloaded meanwhile
    }
    const more = index < sorted.length && entries.length > 0;
    return { entries, nextAfter: more ? entries[entries.length - 1].name : undefined };
  }

  /** Deletes the registry folder and everything in it. */
  async destroy(): Promise<void> {
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}
