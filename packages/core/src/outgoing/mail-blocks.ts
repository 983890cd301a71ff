import { escapeHtml } from "../text.ts";

/**
 * The building blocks of an outgoing mail, rendered twice: plain text and HTML. Every string
 * reaches the HTML through escapeHtml (school names, file names and form values come from
 * outside); links are only made of http(s) URLs.
 */
export type MailBlock =
  | { kind: "p" | "h" | "warn" | "note"; text: string }
  | { kind: "list"; items: readonly string[]; ordered?: boolean }
  | { kind: "links"; items: readonly { before: string; url: string; after: string }[] }
  | { kind: "table"; header: readonly (readonly HeaderCell[])[]; rows: readonly (readonly string[])[]; text: readonly string[] };

export interface HeaderCell {
  text: string;
  colspan?: number;
  rowspan?: number;
}

export function renderText(blocks: readonly MailBlock[]): string {
  return `${blocks
    .map((b) => {
      switch (b.kind) {
        case "list":
          return b.items.map((i, n) => `${b.ordered ? `${n + 1}.` : "·"} ${i}`).join("\n");
        case "links":
          return b.items.map((i) => `· ${i.before} ${i.url} ${i.after}`.trimEnd()).join("\n");
        case "table":
          return b.text.join("\n");
        case "h":
          return `【${b.text}】`;
        case "warn":
          return `！${b.text}`;
        default:
          return b.text;
      }
    })
    .join("\n\n")}\n`;
}

const cellStyle = "border:1px solid #c8c8c8;padding:2px 6px;white-space:nowrap";

export function renderHtml(title: string, blocks: readonly MailBlock[]): string {
  const body = blocks.map(blockHtml).join("\n");
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body style="font-family:'Microsoft YaHei','PingFang SC',sans-serif;font-size:14px;line-height:1.6">\n${body}\n</body></html>\n`;
}

function blockHtml(b: MailBlock): string {
  switch (b.kind) {
    case "list": {
      const tag = b.ordered ? "ol" : "ul";
      return `<${tag} style="padding-left:1.4em">${b.items.map((i) => `<li style="white-space:pre-wrap">${escapeHtml(i)}</li>`).join("")}</${tag}>`;
    }
    case "links":
      return `<ul style="padding-left:1.2em">${b.items.map((i) => `<li>${escapeHtml(i.before)} ${linkHtml(i.url)} ${escapeHtml(i.after)}</li>`).join("")}</ul>`;
    case "table": {
      const head = b.header
        .map((row) => `<tr>${row.map((c) => `<th${span(c)} style="${cellStyle};background:#f2f2f2">${escapeHtml(c.text)}</th>`).join("")}</tr>`)
        .join("");
      const rows = b.rows.map((row) => `<tr>${row.map((c) => `<td style="${cellStyle}">${escapeHtml(c)}</td>`).join("")}</tr>`).join("");
      return `<table style="border-collapse:collapse;font-size:13px;margin:4px 0"><thead>${head}</thead><tbody>${rows}</tbody></table>`;
    }
    case "h":
      return `<h3 style="font-size:15px;margin:16px 0 4px">${escapeHtml(b.text)}</h3>`;
    case "warn":
      return `<p style="color:#a4262c;font-weight:bold;white-space:pre-wrap">${escapeHtml(b.text)}</p>`;
    case "note":
      return `<p style="color:#666;font-size:12px;white-space:pre-wrap">${escapeHtml(b.text)}</p>`;
    default:
      return `<p style="white-space:pre-wrap">${escapeHtml(b.text)}</p>`;
  }
}

function span(c: HeaderCell): string {
  return `${c.colspan && c.colspan > 1 ? ` colspan="${c.colspan}"` : ""}${c.rowspan && c.rowspan > 1 ? ` rowspan="${c.rowspan}"` : ""}`;
}

function linkHtml(url: string): string {
  return /^https?:\/\//i.test(url) ? `<a href="${escapeHtml(url)}">${escapeHtml(url)}</a>` : escapeHtml(url);
}

/** 距截止还有1天 / 2小时 / 30分钟: rounded to the unit a clerk thinks in. */
export function describeRemaining(ms: number): string {
  const minutes = Math.max(1, Math.round(ms / 60_000));
  if (minutes >= 22 * 60) return `${Math.round(minutes / (24 * 60))}天`;
  if (minutes >= 60) return `${Math.round(minutes / 60)}小时`;
  return `${minutes}分钟`;
}

/** 2022年5月16日 from a campaign day (YYYY-MM-DD). */
export function formatDay(day: string): string {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  return `${y}年${m}月${d}日`;
}
