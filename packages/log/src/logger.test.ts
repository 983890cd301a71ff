import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, maskUrl } from "./logger.ts";

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, logger: createLogger({ destination, level: "debug" }) };
}

describe("logger", () => {
  it("writes JSON lines with a message and context", () => {
    const { lines, logger } = capture();
    logger.info({ msg: "mail filed", action: "mail.ingest", mailbox: 3 });
    const entry = JSON.parse(lines[0]!);
    expect(entry).toMatchObject({ msg: "mail filed", action: "mail.ingest", mailbox: 3, level: 30 });
  });

  it("redacts IMAP and SMTP passwords and authorization codes wherever adapters log them", () => {
    const { lines, logger } = capture();
    const code = "abcdefghijklmnop";
    logger.info({ msg: "imap connect", imap: { host: "imap.qq.com", auth: { user: "1@qq.com", pass: code } } });
    logger.info({ msg: "smtp connect", auth: { user: "1@qq.com", pass: code } });
    logger.info({ msg: "config", smtp: { password: code }, authorizationCode: code });
    logger.warn({ msg: "nested", mailbox: { authorizationCode: code } });
    const all = lines.join("\n");
    expect(all).not.toContain(code);
    expect(all.match(/\[redacted\]/g)?.length).toBe(5);
  });

  it("masks the password of a connection URL", () => {
    expect(maskUrl("postgres://baosong:s3cret@db:5432/baosong")).toBe("postgres://baosong:***@db:5432/baosong");
    expect(maskUrl("redis://127.0.0.1:6379")).toBe("redis://127.0.0.1:6379");
  });
});

describe("logger in a terminal", () => {
  it("writes readable lines, still without secrets, when asked to be pretty", async () => {
    const { spawnSync } = await import("node:child_process");
    const script = `import { createLogger } from "./packages/log/src/index.ts";
      createLogger({ pretty: true }).info({ msg: "mail filed", mailbox: 3, auth: { pass: "abcdefghijklmnop" } });`;
    const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: new URL("../../..", import.meta.url),
      encoding: "utf8",
    });
    expect(r.stdout).toMatch(/INFO.*mail filed/);
    expect(r.stdout).not.toMatch(/^\{/m);
    expect(r.stdout).not.toContain("abcdefghijklmnop");
  });
});
