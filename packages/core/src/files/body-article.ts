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
  if (chars >= ARTICLE_MIN_HANZI && hasArticleShape(own)) return { text: own, chars, reason: "body:article_shape" };
  return null;
}

/** A short pasted article (a 简讯 of ~250 字) is told from a covering note by its shape, not its length. */
const ARTICLE_MIN_HANZI = 120;
const TITLE_MAX = 40;
/** 供稿：办公室 / 通讯员：张三 / 撰稿 / 审核 — who wrote it, as news drafts sign off. */
const BYLINE = /(?:供稿|通讯员|撰稿|记者|作者|审核|审稿|编辑|摄影|图\s*[/／]\s*文)\s*[：:（(\s]/u;
/** 本网讯 / （通讯员 张三）/ 5月16日上午，… — how the first sentence of a news item opens. */
const DATELINE = /^\s*(?:本[网报站刊]讯|[（(]\s*通讯员|(?:20\d{2}年)?\d{1,2}月\d{1,2}日)/mu;

/** A title line (short, not a sentence) over a text that carries a dateline or a byline. */
export function hasArticleShape(text: string): boolean {
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");
  const title = lines[0];
  if (!title || lines.length < 2) return false;
  const titled = title.length <= TITLE_MAX && !/[。；;，,！!？?：:]$/u.test(title) && (title.match(/[\u3400-\u9fff]/gu) ?? []).length >= 4;
  const rest = lines.slice(1).join("\n");
  return titled && (BYLINE.test(rest) || DATELINE.test(rest));
}
