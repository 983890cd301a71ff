import { mkdir, open, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createConnection, createServer } from "node:net";

export interface EmbeddedPostgres {
  /** Where node-postgres, psql or Metabase can reach it while this process runs. */
  url: string;
  dataDir: string;
  /** True when another Baosong process already serves this data directory and we connect to it. */
  shared: boolean;
  stop(): Promise<void>;
}

interface ServerFile {
  pid: number;
  url: string | null;
}

/** How long to wait for another process that is opening the same data directory. */
const OPENING_WAIT_MS = 60_000;
/** PGlite has one session; the socket server multiplexes these many clients over it. */
const MAX_CLIENTS = 8;

/**
 * Without DATABASE_URL, Baosong keeps its data in an embedded PGlite served on a local port,
 * so the same node-postgres code runs against it. For trying Baosong out; production uses a
 * real PostgreSQL.
 *
 * PGlite must never be opened twice on one directory (two writers corrupt it), so the process
 * that opens it writes `<dataDir>.server.json` (its pid, then its URL) first, created
 * exclusively; any other Baosong command finds the file and connects to that server instead.
 * A file left by a process that died is stale and taken over.
 */
export async function openEmbeddedPostgres(dataDir: string, port = 0): Promise<EmbeddedPostgres> {
  const serverFile = `${dataDir}.server.json`;
  await mkdir(dataDir, { recursive: true });
  const deadline = Date.now() + OPENING_WAIT_MS;
  for (;;) {
    const running = await readServerFile(serverFile);
    if (running && running.pid !== process.pid && (running.pid === BEING_WRITTEN || isAlive(running.pid))) {
      if (running.url && (await reachable(running.url))) return { url: running.url, dataDir, shared: true, stop: async () => undefined };
      if (Date.now() > deadline) throw new Error(`the embedded database in ${dataDir} is held by process ${running.pid}, which does not answer`);
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    if (running) await rm(serverFile, { force: true });
    const claimed = await claim(serverFile);
    if (claimed) return serve(dataDir, serverFile, port);
  }
}

async function serve(dataDir: string, serverFile: string, port: number): Promise<EmbeddedPostgres> {
  try {
    // Loaded only here: PGlite is a large WebAssembly module that no other path needs.
    const { PGlite } = await import("@electric-sql/pglite");
    const { PGLiteSocketServer } = await import("@electric-sql/pglite-socket");
    const db = await PGlite.create(dataDir);
    const listenPort = port || (await freePort());
    const server = new PGLiteSocketServer({ db, port: listenPort, host: "127.0.0.1", maxConnections: MAX_CLIENTS });
    await server.start();
    const url = `postgres://postgres@127.0.0.1:${listenPort}/postgres`;
    await writeFile(serverFile, JSON.stringify({ pid: process.pid, url } satisfies ServerFile));
    return {
      url,
      dataDir,
      shared: false,
      async stop() {
        await server.stop();
        await db.close();
        await rm(serverFile, { force: true });
      },
    };
  } catch (err) {
    await rm(serverFile, { force: true });
    throw err;
  }
}

/** Creates the server file only if nobody else has: the one process that succeeds opens PGlite. */
async function claim(serverFile: string): Promise<boolean> {
  try {
    const handle = await open(serverFile, "wx");
    await handle.writeFile(JSON.stringify({ pid: process.pid, url: null } satisfies ServerFile));
    await handle.close();
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  }
}

/** A server file that another process created a moment ago and has not written yet. */
const BEING_WRITTEN = -1;

async function readServerFile(serverFile: string): Promise<ServerFile | null> {
  let text: string;
  try {
    text = await readFile(serverFile, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
  try {
    const parsed = JSON.parse(text) as Partial<ServerFile>;
    if (typeof parsed.pid === "number") return { pid: parsed.pid, url: parsed.url ?? null };
  } catch {
    // Empty or cut short: being written right now, unless it has stayed so for a while.
  }
  const age = Date.now() - (await stat(serverFile).catch(() => ({ mtimeMs: 0 }))).mtimeMs;
  return { pid: age < 10_000 ? BEING_WRITTEN : 0, url: null };
}

function isAlive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname, port: Number(port) });
    socket.setTimeout(2_000);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(false));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const address = s.address();
      s.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}
