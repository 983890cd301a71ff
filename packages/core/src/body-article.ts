/**
 * SPEC §2: the mail body counts as a `daily_report` when it carries the article — a clerk
 * pastes the news draft into the mail instead of attaching it. A greeting and "见附件" do
 * not make an article; neither does the quoted mail below a reply.
 */
export interface BodyArticle {
  text: string;
  chars: number;
  reason: string;
}

const REPORT_WORDS = /案例|稿件|新闻|简报|报道|故事|通讯|快讯/;
/** QQ, Foxmail, Outlook and 163 mark the quoted original like this. */
const QUOTE_MARKERS = [
  /^-{3,}\s*原始邮件\s*-{3,}/m,
  /^-{5,}\s*Original\s*-{5,}/im,
  /^-{3,}\s*Original Message\s*-{3,}/im,
  /^在\s.+写道[:：]\s*$/m,
  /^On .+ wrote:\s*$/m,
  /^发件人[:：]/m,
];

export function bodyArticle(text: string, subject: string | null): BodyArticle | null {
  let own = text;
  for (const marker of QUOTE_MARKERS) {
    const m = marker.exec(own);
    if (m) own = own.slice(0, m.index);
  }
  own = own
    .split(/\r?\n/)
    .filter((l) => !l.startsWith(">"))
    .join("\n")
    .trim();
  const chars = (own.match(/[\u3400-\u9fff]/g) ?? []).length;
  if (chars >= 300) return { text: own, chars, reason: `body:${chars}_hanzi` };
  if (chars >= 60 && subject && REPORT_WORDS.test(subject)) {
    return { text: own, chars, reason: `body:subject_${REPORT_WORDS.exec(subject)![0]}` };
  }
  return null;
}
