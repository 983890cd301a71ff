import { Readable } from "node:stream";
import MailComposer from "nodemailer/lib/mail-composer";
import type MimeNode from "nodemailer/lib/mime-node";
import { Encoder as Base64Encoder } from "nodemailer/lib/base64";
import { Encoder as QpEncoder } from "nodemailer/lib/qp";
import type { SendMailOptions } from "nodemailer";
import { describe, expect, it } from "vitest";
import { writeAtOnce } from "./mime-at-once.ts";

const qpText = "Report for day 3: 12 schools sent their forms, 3 missing (荣昌).\n".repeat(5);
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
const encoders = { base64: Base64Encoder, qp: QpEncoder };

describe("writeAtOnce", () => {
  it.each([
    ["Chinese text and HTML", { text: ack.repeat(8), html: `<p>${ack.repeat(8)}</p>` }, ["base64", "base64"]],
    ["Chinese text alone", { text: ack }, ["base64"]],
    ["plain ASCII text and HTML", { text: "Received, thank you.\n", html: "<p>Received.</p>" }, ["7bit", "7bit"]],
    ["a long 回执 (many lines)", { text: ack.repeat(300), html: `<p>${ack.repeat(300)}</p>` }, ["base64", "base64"]],
    ["an empty body", { text: "" }, []],
    ["mostly ASCII text and markup", { text: qpText, html: `<table style="width:100%">${qpText}</table>` }, ["quoted-printable", "quoted-printable"]],
    ["lines ending in spaces, a long line", { text: `${"day 3 report  \n".repeat(20)}${"x".repeat(300)} 荣昌 \t` }, ["quoted-printable"]],
    [
      "a file in memory",
      { text: ack, attachments: [{ filename: "情况统计表.xlsx", content: Buffer.from("PK\u0003\u0004 情况统计表的字节") }] },
      ["base64", "base64"],
    ],
  ] as const)("writes the bytes nodemailer's streams write: %s", async (_case, body, encodings) => {
    const root = mail(body as SendMailOptions);
    const atOnce = writeAtOnce(root, encoders);
    expect(atOnce).not.toBeNull();
    // The same tree, so the same boundaries and Date: every byte must match.
    const streamed = (await built(root)).toString("latin1");
    expect(atOnce!.toString("latin1")).toBe(streamed);
    expect([...streamed.matchAll(/^Content-Transfer-Encoding: (.+)\r$/gm)].map((m) => m[1])).toEqual(encodings);
  });

  it("leaves to nodemailer what it does not cover: streamed content", () => {
    const withFile = mail({ text: ack, attachments: [{ filename: "a.txt", content: Readable.from(["x"]) }] });
    expect(writeAtOnce(withFile, encoders)).toBeNull();
  });
});
