/** Server-rendered pages: small template functions, every value escaped on the way in. */

const escapes: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** A piece of HTML that is already safe: nested templates pass through unescaped. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

type Value = unknown;

function render(v: Value): string {
  if (v === null || v === undefined || v === false) return "";
  if (v instanceof Html) return v.text;
  if (Array.isArray(v)) return v.map(render).join("");
  return String(v).replace(/[&<>"']/g, (c) => escapes[c]!);
}

export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0]!;
  values.forEach((v, i) => (out += render(v) + strings[i + 1]!));
  return new Html(out);
}

export const raw = (text: string) => new Html(text);

export interface PageUser {
  username: string;
  role: string;
}

export interface PageFrame {
  title: string;
  user: PageUser | null;
  csrf?: string;
  /** The campaign the navigation links point into. */
  campaign?: string;
  active?: string;
}

const roleLabels: Record<string, string> = { official: "领导（只读）", clerk: "经办人", admin: "管理员" };

export function page(f: PageFrame, body: Html): string {
  const c = f.campaign ? encodeURIComponent(f.campaign) : null;
  const links: [string, string, boolean][] = c
    ? [
        ["overview", `/c/${c}`, true],
        ["pending", `/c/${c}/pending`, true],
        ["export", `/c/${c}/export`, true],
        ["ops", "/ops", f.user?.role === "admin"],
      ]
    : [
        ["overview", "/", true],
        ["ops", "/ops", f.user?.role === "admin"],
      ];
  const names: Record<string, string> = { overview: "总览", pending: "待处理", export: "导出", ops: "运维" };
  const nav = f.user
    ? html`<nav><a class="brand" href="/">报送</a>${links
        .filter(([, , shown]) => shown)
        .map(([key, href]) => html`<a href="${href}" class="${key === f.active ? "on" : ""}">${names[key]}</a>`)}
        <span class="who">${f.user.username} · ${roleLabels[f.user.role] ?? f.user.role}</span>
        <form method="post" action="/logout" class="inline"><input type="hidden" name="_csrf" value="${f.csrf ?? ""}"><button>退出</button></form></nav>`
    : html``;
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${render(f.title)} · 报送</title><link rel="stylesheet" href="/assets/console.css"></head>
<body>${nav.text}<main>${body.text}</main></body></html>`;
}

export function dateTime(v: unknown, timeZone = "Asia/Shanghai"): string {
  if (v === null || v === undefined) return "";
  const d = v instanceof Date ? v : new Date(String(v));
  return d.toLocaleString("zh-CN", { timeZone, hour12: false, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
}

export function bytes(n: unknown): string {
  const v = Number(n);
  if (!Number.isFinite(v)) return "";
  if (v < 1024) return `${v} B`;
  if (v < 1024 * 1024) return `${(v / 1024).toFixed(1)} KB`;
  return `${(v / 1024 / 1024).toFixed(1)} MB`;
}
