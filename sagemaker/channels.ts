/**
 * Input channels: the files SageMaker puts under `input/data/<channel>/`.
 *
 * @module
 */

/** A channel folder that is missing or holds no data files. */
export class ChannelError extends Error {
  /** Creates an error; the message names the channel and its folder. */
  constructor(message: string) {
    super(message);
    this.name = "ChannelError";
  }
}

async function collectFiles(dir: string, into: string[]): Promise<void> {
  const entries: Deno.DirEntry[] = [];
  for await (const entry of Deno.readDir(dir)) entries.push(entry);
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith(".")) continue;
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) await collectFiles(path, into);
    else if (entry.isFile || entry.isSymlink) into.push(path);
  }
}

/**
 * Lists the data files of a channel folder, sorted, including sub-folders (S3 prefixes
 * become folders), skipping hidden files. Throws {@linkcode ChannelError} when the folder is
 * missing or has no files.
 */
export async function listChannelFiles(channel: string, dir: string): Promise<string[]> {
  try {
    const info = await Deno.stat(dir);
    if (!info.isDirectory) throw new ChannelError(`Channel ${channel} at ${dir} is not a folder`);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new ChannelError(`Missing channel ${channel}: no folder at ${dir}`);
    }
    throw error;
  }
  const files: string[] = [];
  await collectFiles(dir, files);
  if (files.length === 0) throw new ChannelError(`Channel ${channel} has no files in ${dir}`);
  return files;
}

/** Streams a file's bytes in chunks. */
export async function* readFileChunks(path: string): AsyncGenerator<Uint8Array> {
  using file = await Deno.open(path, { read: true });
  for await (const chunk of file.readable) yield chunk;
}
