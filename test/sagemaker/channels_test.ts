import assert from "node:assert/strict";
import {
  ChannelError,
  checkChannelPipe,
  listChannelFiles,
  readSourceChunks,
} from "../../sagemaker/channels.ts";

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const chunk of chunks) out.push(chunk);
  return out;
}

function joined(chunks: Uint8Array[]): string {
  return new TextDecoder().decode(new Uint8Array(chunks.flatMap((chunk) => [...chunk])));
}

Deno.test("listChannelFiles() lists files sorted, with sub-folders, skipping hidden ones", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/part`);
  for (const name of ["b.csv", "a.csv", ".hidden", "part/c.csv"]) {
    await Deno.writeTextFile(`${dir}/${name}`, "1,2\n");
  }
  assert.deepEqual(await listChannelFiles("training", dir), [
    `${dir}/a.csv`,
    `${dir}/b.csv`,
    `${dir}/part/c.csv`,
  ]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("listChannelFiles() names the channel when the folder is missing, a file or empty", async () => {
  const dir = await Deno.makeTempDir();
  await assert.rejects(
    () => listChannelFiles("training", `${dir}/none`),
    (error: Error) =>
      error instanceof ChannelError && /Missing channel training: no folder at/.test(error.message),
  );
  await Deno.writeTextFile(`${dir}/file`, "");
  await assert.rejects(
    () => listChannelFiles("training", `${dir}/file`),
    /Channel training at .* is not a folder/,
  );
  await Deno.mkdir(`${dir}/empty`);
  await assert.rejects(
    () => listChannelFiles("validation", `${dir}/empty`),
    /Channel validation has no files in/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("listChannelFiles() lists the folders found beside a missing channel folder", async () => {
  const dir = await Deno.makeTempDir();
  for (const name of ["validation", "Training", ".hidden"]) await Deno.mkdir(`${dir}/${name}`);
  await Deno.writeTextFile(`${dir}/notes.txt`, "");
  await assert.rejects(
    () => listChannelFiles("training", `${dir}/training`),
    (error: Error) =>
      error instanceof ChannelError &&
      error.message ===
        `Missing channel training: no folder at ${dir}/training (found: Training, validation)`,
  );
  await Deno.remove(`${dir}/Training`);
  await Deno.remove(`${dir}/validation`);
  await assert.rejects(
    () => listChannelFiles("training", `${dir}/training`),
    (error: Error) => error.message.endsWith(`no folder at ${dir}/training (found: none)`),
  );
  await Deno.remove(dir, { recursive: true });
  await assert.rejects(
    () => listChannelFiles("training", `${dir}/training`),
    (error: Error) => error.message.endsWith(`no folder at ${dir}/training (found: none)`),
  );
});

Deno.test("readSourceChunks() streams gzip data in many chunks, whatever the file is called", async () => {
  const dir = await Deno.makeTempDir();
  // Deno inflates one compressed chunk into one output chunk, so use data that does not
  // compress to almost nothing: about 2 MB of pseudo-random numbers, about 1 MB gzip'd.
  let seed = 7;
  const lines: string[] = [];
  for (let i = 0; i < 100_000; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    lines.push(`${i % 3},${seed / 2147483648}`);
  }
  const text = lines.join("\n") + "\n";
  await Deno.writeFile(`${dir}/data.csv`, await gzip(new TextEncoder().encode(text)));
  let gzipSeen = false;
  const chunks = await collect(
    readSourceChunks(`${dir}/data.csv`, { onGzip: () => (gzipSeen = true) }),
  );
  assert.equal(gzipSeen, true);
  assert.ok(chunks.length > 4, `expected a stream of chunks, got ${chunks.length}`);
  assert.equal(joined(chunks), text);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("readSourceChunks() reads concatenated gzip members as one stream", async () => {
  const dir = await Deno.makeTempDir();
  const first = await gzip(new TextEncoder().encode("a,1\nb,2\n"));
  const second = await gzip(new TextEncoder().encode("c,3\n"));
  const both = new Uint8Array(first.length + second.length);
  both.set(first);
  both.set(second, first.length);
  await Deno.writeFile(`${dir}/both.csv.gz`, both);
  assert.equal(joined(await collect(readSourceChunks(`${dir}/both.csv.gz`))), "a,1\nb,2\nc,3\n");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("readSourceChunks() passes plain text through, including a one-byte file", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/a.csv`, "a,1\nb,2\n");
  await Deno.writeTextFile(`${dir}/b.csv`, "7");
  await Deno.writeTextFile(`${dir}/c.csv`, "");
  assert.equal(joined(await collect(readSourceChunks(`${dir}/a.csv`))), "a,1\nb,2\n");
  assert.equal(joined(await collect(readSourceChunks(`${dir}/b.csv`))), "7");
  assert.equal(joined(await collect(readSourceChunks(`${dir}/c.csv`))), "");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("readSourceChunks() names the file of damaged gzip data or a broken link", async () => {
  const dir = await Deno.makeTempDir();
  const packed = await gzip(new TextEncoder().encode("a,1\n".repeat(1000)));
  await Deno.writeFile(`${dir}/cut.csv.gz`, packed.subarray(0, packed.length - 10));
  await assert.rejects(
    () => collect(readSourceChunks(`${dir}/cut.csv.gz`, { channel: "training" })),
    /Cannot decompress .*cut\.csv\.gz of channel training/,
  );
  await Deno.symlink(`${dir}/nowhere.csv`, `${dir}/link.csv`);
  await assert.rejects(
    () => collect(readSourceChunks(`${dir}/link.csv`, { channel: "training" })),
    /Cannot open .*link\.csv of channel training/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("readSourceChunks() reads a named pipe fed by another process", async () => {
  const dir = await Deno.makeTempDir();
  const pipe = `${dir}/training_0`;
  const made = await new Deno.Command("mkfifo", { args: [pipe] }).output();
  assert.equal(made.code, 0);
  await checkChannelPipe("training", pipe);
  const text = "x,1,2\n".repeat(50_000);
  await Deno.writeTextFile(`${dir}/source.csv`, text);
  const writer = new Deno.Command("sh", {
    args: ["-c", `sleep 0.2; cat "${dir}/source.csv" > "${pipe}"`],
  }).spawn();
  const chunks = await collect(readSourceChunks(pipe, { channel: "training" }));
  assert.equal((await writer.status).code, 0);
  assert.equal(joined(chunks), text);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("readSourceChunks() stops waiting for a pipe writer when aborted", async () => {
  const dir = await Deno.makeTempDir();
  const pipe = `${dir}/training_0`;
  await new Deno.Command("mkfifo", { args: [pipe] }).output();
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error("stopped")), 100);
  await assert.rejects(
    () => collect(readSourceChunks(pipe, { signal: controller.signal })),
    /stopped/,
  );
  // Unblock the pending open so that the test leaks no operation.
  using writer = await Deno.open(pipe, { write: true });
  writer.writeSync(new Uint8Array([0x31]));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("checkChannelPipe() names a missing pipe", async () => {
  await assert.rejects(
    () => checkChannelPipe("training", "/nonexistent/training_0"),
    /Missing pipe for channel training \(Pipe mode\): nothing at \/nonexistent\/training_0/,
  );
});

Deno.test("readSourceChunks() fails naming the file once gzip data inflates past maxDecompressedBytes", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeFile(`${dir}/bomb.gz`, await gzip(new Uint8Array(8 * 1024 * 1024)));
  let read = 0;
  await assert.rejects(
    async () => {
      const chunks = readSourceChunks(`${dir}/bomb.gz`, {
        channel: "training",
        maxDecompressedBytes: 1024 * 1024,
      });
      for await (const chunk of chunks) read += chunk.length;
    },
    (error) =>
      error instanceof ChannelError &&
      /^Decompressed data of .*\/bomb\.gz of channel training exceeds 1048576 bytes$/.test(
        error.message,
      ),
  );
  assert.ok(read <= 1024 * 1024, `handed out ${read} bytes`);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("listChannelFiles() refuses a link leading out of the channel folder, naming it", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/training/sub`, { recursive: true });
  await Deno.writeTextFile(`${dir}/training/sub/a.csv`, "a,1\n");
  await Deno.writeTextFile(`${dir}/secret.txt`, "x\n");
  await Deno.symlink(`${dir}/training/sub/a.csv`, `${dir}/training/inside.csv`);
  assert.deepEqual(await listChannelFiles("training", `${dir}/training`), [
    `${dir}/training/inside.csv`,
    `${dir}/training/sub/a.csv`,
  ]);
  await Deno.symlink("../../secret.txt", `${dir}/training/sub/z.csv`);
  await assert.rejects(
    () => listChannelFiles("training", `${dir}/training`),
    (error) =>
      error instanceof ChannelError &&
      error.message ===
        `Refusing ${dir}/training/sub/z.csv of channel training: it is a link to ` +
          `${Deno.realPathSync(dir)}/secret.txt, outside the channel folder ${dir}/training`,
  );
  await Deno.remove(dir, { recursive: true });
});
