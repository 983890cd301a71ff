import { readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The mails the bench sends: "typical" ones (a form .xlsx or a report .docx and 1–3 photos,
 * 100–500 KB, as schools send during the week) and small ones (a news draft in the body, as
 * in a deadline burst). Deterministic: mail n is the same bytes in every run, so runs compare.
 */
export const INBOX_ADDRESS = "112812581@qq.com";
/** Schools on the bench roster; the corpus cycles through them. */
export const BENCH_SCHOOLS = 20;

const fixtures = join(import.meta.dirname, "../../test/fixtures");
const documents = [
  { file: "forms/rongchang-stats.xlsx", name: "情况统计表.xlsx", type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
  { file: "forms/rongchang-info.xlsx", name: "信息采集表.xlsx", type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
  {
    file: "forms/新建 Microsoft Excel 工作表.xlsx",
    name: "新建 Microsoft Excel 工作表.xlsx",
    type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  },
  { file: "reports/rongchang-summary.docx", name: "活动周工作总结报告.docx", type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document" },
  { file: "reports/附件1.docx", name: "附件1.docx", type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document" },
  { file: "reports/incomplete-summary.docx", name: "典型案例.docx", type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document" },
].map((d) => ({ ...d, bytes: readFileSync(join(fixtures, d.file)) }));
const photo = readFileSync(join(fixtures, "media/photo-exif.jpg"));

export function schoolName(school: number): string {
  return `性能测试第${school}职业学校`;
}

export function schoolSender(school: number): string {
  return `s${school}@school${school}.bench.example.cn`;
}

/** The roster entries of the bench schools, as campaign YAML takes them. */
export function benchRoster(count = BENCH_SCHOOLS) {
  return Array.from({ length: count }, (_, i) => ({ name: schoolName(i + 1), aliases: [], senders: [schoolSender(i + 1)] }));
}

export interface BenchMail {
  messageId: string;
  raw: Buffer;
}

/** A form or a report and 1–3 photos from school (n mod 20), 100–500 KB in all. */
export function typicalMail(run: string, n: number): BenchMail {
  const rand = seeded(n * 7919 + 17);
  const school = ((n - 1) % BENCH_SCHOOLS) + 1;
  const doc = documents[n % documents.length]!;
  const photos = 1 + Math.floor(rand() * 3);
  const parts = [
    textPart(`${schoolName(school)}报送材料（第${n}份），请查收。附件为${doc.name}及活动照片${photos}张。`),
    attachmentPart(doc.name, doc.type, doc.bytes),
  ];
  for (let p = 1; p <= photos; p++) {
    // A real photo followed by noise after its end marker: readers see a JPEG, the store sees unique bytes.
    const noise = Buffer.alloc(60_000 + Math.floor(rand() * 100_000));
    for (let i = 0; i < noise.length; i++) noise[i] = Math.floor(rand() * 256);
    parts.push(attachmentPart(`IMG_${2000 + n}_${p}.jpg`, "image/jpeg", Buffer.concat([photo, noise])));
  }
  return mail(run, n, school, `${schoolName(school)}5月16日活动材料（第${n}份）`, multipart(parts, `b${n}`));
}

/** A short news draft in the body: what a deadline burst is mostly made of. */
export function smallMail(run: string, n: number): BenchMail {
  const school = ((n - 1) % BENCH_SCHOOLS) + 1;
  const body = `5月16日，我校开展职业教育活动周开放日活动，邀请家长和社区居民走进校园，参观实训基地，体验专业技能。这是第${n}篇稿件。`;
  return mail(run, n, school, `${schoolName(school)}5月16日新闻稿（第${n}篇）`, {
    headers: ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64"],
    body: base64Lines(Buffer.from(body)),
  });
}

interface Entity {
  headers: string[];
  body: string;
}

function mail(run: string, n: number, school: number, subject: string, entity: Entity): BenchMail {
  const messageId = `bench-${run}-${n}@school${school}.bench.example.cn`;
  const head = [
    `From: ${schoolSender(school)}`,
    `To: ${INBOX_ADDRESS}`,
    `Subject: =?UTF-8?B?${Buffer.from(subject).toString("base64")}?=`,
    `Message-ID: <${messageId}>`,
    "Date: Mon, 16 May 2022 10:00:00 +0800",
    "MIME-Version: 1.0",
    ...entity.headers,
  ];
  return { messageId, raw: Buffer.from(`${head.join("\r\n")}\r\n\r\n${entity.body}\r\n`) };
}

function textPart(text: string): Entity {
  return { headers: ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64"], body: base64Lines(Buffer.from(text)) };
}

function attachmentPart(name: string, type: string, bytes: Buffer): Entity {
  const encoded = encodeURIComponent(name);
  return {
    headers: [
      `Content-Type: ${type}; name*=UTF-8''${encoded}`,
      "Content-Transfer-Encoding: base64",
      `Content-Disposition: attachment; filename*=UTF-8''${encoded}`,
    ],
    body: base64Lines(bytes),
  };
}

function multipart(parts: Entity[], boundary: string): Entity {
  const body = parts.map((p) => `--${boundary}\r\n${p.headers.join("\r\n")}\r\n\r\n${p.body}\r\n`).join("");
  return { headers: [`Content-Type: multipart/mixed; boundary="${boundary}"`], body: `${body}--${boundary}--` };
}

function base64Lines(bytes: Buffer): string {
  return bytes.toString("base64").replace(/.{76}(?=.)/g, "$&\r\n");
}

/** A small deterministic generator (LCG): the same mail n in every run. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
