import { createReadStream, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalBlobStore } from "@baosong/blobs";
import { readMessage } from "./message-reader.ts";

const fixtures = join(import.meta.dirname, "../../../test/fixtures/mail");
const manifest = JSON.parse(readFileSync(join(fixtures, "manifest.json"), "utf8")) as Record<
  string,
  { messageId: string; attachments: { filename: string; sha256: string; size: number }[] }
>;

describe("readMessage", () => {
  let dir: string;
  let blobs: LocalBlobStore;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "baosong-reader-"));
    blobs = new LocalBlobStore(dir);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("decodes RFC 2231 continued Chinese file names and stores each attachment by its SHA-256", async () => {
    const mail = await readMessage(createReadStream(join(fixtures, "school-info-form.eml")), blobs);
    const expected = manifest["school-info-form.eml"]!;
    expect(mail.messageId).toBe(expected.messageId);
    expect(mail.fromAddress).toBe("rczj@example.cn");
    expect(mail.fromName).toBe("荣昌职教中心");
    expect(mail.subject).toBe("重庆市荣昌区职业教育中心 信息采集表");
    expect(mail.text).toContain("附件是我校的信息采集表");
    expect(mail.parts.map((p) => ({ filename: p.filename, sha256: p.sha256, size: p.sizeBytes }))).toEqual(expected.attachments);
    expect(mail.parts[1]!.mediaType).toBe("image/png");
    for (const p of mail.parts) expect(await blobs.has(p.blobKey)).toBe(true);
  });

  it("keeps the raw headers a robot check needs", async () => {
    const auto = await readMessage(createReadStream(join(fixtures, "auto-reply.eml")), blobs);
    expect(auto.headers.get("auto-submitted")).toBe("auto-replied");
    const bounce = await readMessage(createReadStream(join(fixtures, "bounce.eml")), blobs);
    expect(bounce.contentType).toMatch(/^multipart\/report/);
  });

  it("records a part over the size limit as a problem instead of failing the mail", async () => {
    const mail = await readMessage(createReadStream(join(fixtures, "school-info-form.eml")), blobs, {
      maxParts: 10,
      maxPartBytes: 800,
      maxBodyChars: 10,
    });
    expect(mail.parts.map((p) => p.filename)).toEqual(["2022年职业教育活动周信息采集表.xlsx"]);
    expect(mail.problems.map((p) => p.code).sort()).toEqual(["body_truncated", "part_too_large"]);
  });
});
