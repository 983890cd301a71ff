import type { SenderAuth } from "./sender-auth.ts";

/** A school of the roster as attribution needs it. */
export interface RosterEntry {
  id: number;
  name: string;
  aliases: readonly string[];
  senders: readonly string[];
  qq: readonly string[];
}

export type AttributedBy = "sender" | "qq" | "name" | "form" | "manual" | "none";

export interface Attribution {
  schoolId: number | null;
  attributedBy: AttributedBy;
  /** Why, in words an admin reads in the dashboard. */
  reason: string;
  /** Schools that matched equally well when the result is ambiguous. */
  candidates: number[];
}

export interface AttributionInput {
  fromAddress: string | null;
  auth: SenderAuth;
  /** Subject, file names and body text, in the order they are searched. */
  texts: readonly string[];
}

/**
 * SPEC §3, in order: roster address; `<digits>@qq.com` as a contact's QQ number; the
 * school's name or an alias in the subject, a file name or the body. A mail that claims a
 * roster address but fails DMARC is not attributed by its address.
 */
export function attributeMessage(input: AttributionInput, roster: readonly RosterEntry[]): Attribution {
  const from = input.fromAddress?.trim().toLowerCase() ?? "";
  const addressTrusted = input.auth !== "fail";

  if (from && addressTrusted) {
    const bySender = roster.filter((s) => s.senders.some((a) => a.toLowerCase() === from));
    if (bySender.length === 1) return found(bySender[0]!, "sender", `发件地址 ${from} 在名册中`);
    if (bySender.length > 1) return ambiguous(bySender, `发件地址 ${from} 属于多所学校`);

    const qq = /^([1-9]\d{4,10})@qq\.com$/.exec(from)?.[1];
    if (qq) {
      const byQq = roster.filter((s) => s.qq.includes(qq));
      if (byQq.length === 1) return found(byQq[0]!, "qq", `QQ号 ${qq} 是该校联系人`);
      if (byQq.length > 1) return ambiguous(byQq, `QQ号 ${qq} 属于多所学校`);
    }
  }

  const byName = matchByName(input.texts, roster);
  if (byName.length === 1) return found(byName[0]!, "name", `邮件中出现校名“${nameHit(input.texts, byName[0]!)}”`);
  if (byName.length > 1) return ambiguous(byName, "邮件中出现多所学校的名称");

  const why = input.auth === "fail" && from ? "发件人未通过DMARC验证，且邮件中没有校名" : "发件地址不在名册中，邮件中也没有校名";
  return { schoolId: null, attributedBy: "none", reason: why, candidates: [] };
}

function found(s: RosterEntry, by: AttributedBy, reason: string): Attribution {
  return { schoolId: s.id, attributedBy: by, reason, candidates: [s.id] };
}

function ambiguous(schools: readonly RosterEntry[], reason: string): Attribution {
  return { schoolId: null, attributedBy: "none", reason, candidates: schools.map((s) => s.id) };
}

/**
 * The first text (subject before file names before body) that names a school decides; two
 * schools named there make the mail ambiguous. A name found only inside another school's
 * longer name does not count (安富职中 inside 重庆市荣昌区安富职业中学 style overlaps).
 */
function matchByName(texts: readonly string[], roster: readonly RosterEntry[]): RosterEntry[] {
  for (const text of texts) {
    const normalized = normalize(text);
    if (!normalized) continue;
    const hits = roster.map((s) => ({ s, name: longestName(s, normalized) })).filter((h) => h.name !== "");
    if (hits.length === 0) continue;
    return hits.filter((h) => !hits.some((o) => o !== h && o.name.length > h.name.length && o.name.includes(h.name))).map((h) => h.s);
  }
  return [];
}

/** The longest of the school's names that the text holds; "" when none. */
function longestName(s: RosterEntry, text: string): string {
  let best = "";
  for (const n of [s.name, ...s.aliases]) {
    const name = normalize(n);
    if (name.length >= 2 && text.includes(name) && name.length > best.length) best = name;
  }
  return best;
}

function nameHit(texts: readonly string[], s: RosterEntry): string {
  const all = normalize(texts.join(" "));
  return [s.name, ...s.aliases].find((n) => all.includes(normalize(n))) ?? s.name;
}

/** Full-width brackets and spaces vary between clerks; compare without them. */
export function normalize(text: string): string {
  return text
    .normalize("NFKC")
    .replace(/[\s\u3000]+/g, "")
    .replace(/[（]/g, "(")
    .replace(/[）]/g, ")");
}
