import { execFile, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ImapFlow } from "imapflow";
import { freePort, waitForPort } from "./ports.ts";

const run = promisify(execFile);

/** A campaign's mailbox `main` on this Dovecot as `user`; its password is read from `passwordEnv`. */
export function dovecotMailbox(dovecot: Pick<Dovecot, "host" | "port">, user: string, passwordEnv = "TEST_IMAP_PASSWORD", address = "112812581@qq.com") {
  return { id: "main", address, imap: { host: dovecot.host, port: dovecot.port, secure: false, user, password_env: passwordEnv } };
}

/**
 * A private Dovecot for one test file (TESTING.md): its own config, passwd file, Maildir homes
 * and port under a temp directory, started as root. Its connections drop for real on `kick`
 * and `restart`, which is what fault tests need.
 */
export interface Dovecot {
  host: string;
  port: number;
  dir: string;
  addUser(user: string, pass: string): Promise<void>;
  /** APPENDs a raw mail and returns its UID (Dovecot answers APPENDUID). */
  append(user: string, folder: string, raw: Buffer, flags?: string[]): Promise<number>;
  /** A logged-in client for looking at a mailbox; the caller logs it out. */
  client(user: string): Promise<ImapFlow>;
  /** Drops every IMAP connection of the user (`doveadm kick`). */
  kick(user: string): Promise<void>;
  doveadm(...args: string[]): Promise<string>;
  restart(): Promise<void>;
  /** Stops Dovecot and removes its directory. */
  stop(): Promise<void>;
}

export async function startDovecot(): Promise<Dovecot> {
  // Short: Dovecot's unix sockets live under base_dir and paths are limited to 108 bytes.
  const dir = await mkdtemp(join(tmpdir(), "bsdc-"));
  await chmod(dir, 0o755);
  const port = await freePort();
  const conf = join(dir, "dovecot.conf");
  // One passwd file per user: Dovecot re-reads a changed passwd file at most once a second,
  // so a user added to a shared file right after a login would not be found yet.
  const users = join(dir, "users");
  const home = join(dir, "home");
  await mkdir(home);
  await chown(home, ...(await dovecotIds()));
  await mkdir(users);
  await writeFile(conf, configText(dir, port));
  const passwords = new Map<string, string>();

  const doveadm = async (...args: string[]) => (await run("doveadm", ["-c", conf, ...args])).stdout;
  const start = async () => {
    await daemon("dovecot", ["-c", conf]);
    await waitForPort(port, true);
  };
  const halt = async () => {
    const pid = Number((await readFile(join(dir, "run", "master.pid"), "utf8").catch(() => "")).trim());
    // Dovecot's master leaves imap, log and stats processes running when it stops, and an
    // imap process keeps serving its client: the connection would not drop. End them too.
    const children = pid ? await childrenOf(pid) : [];
    await doveadm("stop").catch(() => undefined);
    await waitForPort(port, false);
    for (const p of [pid, ...children].filter(Boolean)) await endProcess(p);
  };
  const client = async (user: string) => {
    const pass = passwords.get(user);
    if (pass === undefined) throw new Error(`no Dovecot user ${user}`);
    const c = new ImapFlow({ host: "127.0.0.1", port, secure: false, auth: { user, pass }, logger: false, disableAutoIdle: true });
    c.on("error", () => undefined);
    await c.connect();
    return c;
  };

  await start();
  return {
    host: "127.0.0.1",
    port,
    dir,
    doveadm,
    client,
    async addUser(user, pass) {
      passwords.set(user, pass);
      if (!/^[\w.@-]+$/.test(user)) throw new Error(`user name ${user} would not make a safe file name`);
      await writeFile(join(users, user), `${user}:{PLAIN}${pass}::::::\n`);
    },
    async append(user, folder, raw, flags = []) {
      const c = await client(user);
      try {
        if (folder !== "INBOX") await c.mailboxCreate(folder);
        const appended = await c.append(folder, raw, flags);
        if (!appended || appended.uid === undefined) throw new Error(`APPEND to ${folder} returned no UID`);
        return appended.uid;
      } finally {
        await c.logout().catch(() => c.close());
      }
    },
    async kick(user) {
      await doveadm("kick", user);
    },
    async restart() {
      await halt();
      await start();
    },
    async stop() {
      await halt();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs a command that forks into the background. Its children keep inherited pipes open, so
 * execFile would wait for them forever: no pipes, and wait for the foreground process only.
 */
function daemon(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: "ignore" });
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited with ${code}`))));
  });
}

function configText(dir: string, port: number): string {
  return `
protocols = imap
first_valid_uid = 1
listen = 127.0.0.1
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/users/%u
}
userdb {
  driver = static
  args = uid=dovecot gid=dovecot home=${dir}/home/%u
}
mail_location = maildir:~/Maildir
mail_max_userip_connections = 50
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
`;
}

async function dovecotIds(): Promise<[number, number]> {
  const { stdout } = await run("id", ["dovecot"]);
  const uid = /uid=(\d+)/.exec(stdout)?.[1];
  const gid = /gid=(\d+)/.exec(stdout)?.[1];
  if (!uid || !gid) throw new Error(`cannot read the dovecot user's ids from: ${stdout}`);
  return [Number(uid), Number(gid)];
}

async function childrenOf(pid: number): Promise<number[]> {
  const { stdout } = await run("ps", ["-o", "pid=", "--ppid", String(pid)]).catch(() => ({ stdout: "" }));
  return stdout.split(/\s+/).filter(Boolean).map(Number);
}

/** A zombie (exited, never reaped: in a container PID 1 may not reap) counts as gone. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** SIGTERM, and SIGKILL if it is still there after a few seconds. */
async function endProcess(pid: number, graceMs = 5_000): Promise<void> {
  if (!alive(pid)) return;
  process.kill(pid, "SIGTERM");
  const until = Date.now() + graceMs;
  while (alive(pid)) {
    if (Date.now() > until) {
      process.kill(pid, "SIGKILL");
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
