import { Readable } from "node:stream";
import MailComposer from "nodemailer/lib/mail-composer";
import type MimeNode from "nodemailer/lib/mime-node";
import { encode, wrap } from "nodemailer/lib/base64";
import type { SendMailOptions } from "nodemailer";
import { describe, expect, it } from "vitest";
import { writeAtOnce } from "./smtp-sender.ts";

const ack = "老师您好：\n已收到贵校 5月13日 的邮件，附件《情况统计表》已读取。参与活动的教师数：120 人。\n";

function mail(extra: SendMailOptions): MimeNode {
  return new MailComposer({
    from: { name: "荣昌区职业教育活动周 报送", address: "112812581@qq.com" },
    to: "rczj@qq.com",
    subject: "回执：已收到重庆市荣昌区职业教育中心的情况统计表",
    messageId: "<ack-abc.1@qq.com>",
    inReplyTo: "<school-abc@qq.com>",
    references: ["<root-abc@qq.com>", "<school-abc@qq.com>"],
    headers: { "Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All" },
    ...extra,
  }).compile();
}

const built = (root: MimeNode) => new Promise<Buffer>((resolve, reject) => root.build((err, m) => (err ? reject(err) : resolve(m))));
const base64 = (b: Buffer) => wrap(encode(b), 76);

describe("writeAtOnce", () => {
  it.each([
    ["Chinese text and HTML (base64 parts)", { text: ack.repeat(8), html: `<p>${ack.repeat(8)}</p>` }],
    ["Chinese text alone", { text: ack }],
    ["plain ASCII text and HTML (7bit parts)", { text: "Received, thank you.\n", html: "<p>Received.</p>" }],
    ["a long 回执 (many base64 lines)", { text: ack.repeat(300), html: `<p>${ack.repeat(300)}</p>` }],
    ["an empty body", { text: "" }],
  ])("writes the bytes nodemailer's streams write: %s", async (_case, body) => {
    const root = mail(body);
    const atOnce = writeAtOnce(root, base64);
    expect(atOnce).not.toBeNull();
    // The same tree, so the same boundaries and Date: every byte must match.
    expect(atOnce!.toString("latin1")).toBe((await built(root)).toString("latin1"));
  });

  it("leaves to nodemailer what it does not cover: quoted-printable text, streamed content", () => {
    expect(writeAtOnce(mail({ text: "Report for day 3: 12 schools, 3 missing (荣昌).\n".repeat(5) }), base64)).toBeNull();
    expect(writeAtOnce(mail({ text: ack, attachments: [{ filename: "a.txt", content: Readable.from(["x"]) }] }), base64)).toBeNull();
  });
});
