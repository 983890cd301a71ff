/**
 * Forms as schools fill them in, in every format they arrive in: variants from
 * scripts/fixtures/lib/form-variants.ts (reworded headers, title and 填报单位 lines, merged
 * parents, moved columns, Word tables split across pages or framed in another table), written
 * as .xlsx and .docx here and as .xls/.et/.doc/.wps/.pdf by LibreOffice
 * (scripts/fixtures/make-form-variants.ts, committed), read through the real readers and the
 * real form readers. Every value must match its label; per kind and format the counts and the
 * share of values read right are printed.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadCampaignFile } from "@baosong/config";
import { classifyByNameAndType, understandFile, type Campaign, type FileUnderstanding } from "@baosong/core";
import { defaultFileReadLimits, officeTypes, readFileContent } from "@baosong/documents";
import { layoutToDocx, layoutToXlsx } from "../scripts/fixtures/lib/form-layouts.ts";
import { formVariants, type FormVariant } from "../scripts/fixtures/lib/form-variants.ts";

const root = join(import.meta.dirname, "..");
const campaigns: Record<string, Campaign> = Object.fromEntries(
  ["rongchang-2022", "sichuan-2023", "nanchang-2022"].map((slug) => [slug, loadCampaignFile(join(root, "examples", `${slug}.yaml`))]),
);
const converted = join(import.meta.dirname, "fixtures/form-variants");
const types: Record<string, string> = {
  xlsx: officeTypes.xlsx,
  docx: officeTypes.docx,
  xls: officeTypes.ole,
  et: officeTypes.ole,
  doc: officeTypes.ole,
  wps: officeTypes.ole,
  pdf: officeTypes.pdf,
};

/** What was read, shaped as the generator labels it. */
function reading(kind: FormVariant["kind"], u: FileUnderstanding): unknown {
  if (kind === "info_form") return u.infoForm ?? null;
  if (kind === "stats_form") return u.statsRows ?? [];
  return u.featured ?? [];
}

/** Field-by-field comparison: [right, total]. */
function score(expected: unknown, actual: unknown): [number, number, string[]] {
  const wrong: string[] = [];
  let right = 0;
  let total = 0;
  const compare = (path: string, e: unknown, a: unknown) => {
    if (e !== null && typeof e === "object" && !Array.isArray(e)) {
      for (const [k, v] of Object.entries(e)) compare(`${path}.${k}`, v, (a as Record<string, unknown> | null | undefined)?.[k] ?? null);
      return;
    }
    total++;
    if (JSON.stringify(e) === JSON.stringify(a ?? null)) right++;
    else wrong.push(`${path}: expected ${JSON.stringify(e)}, read ${JSON.stringify(a)}`);
  };
  if (Array.isArray(expected)) {
    const rows = Array.isArray(actual) ? actual : [];
    expected.forEach((e, i) => compare(`[${i}]`, e, rows[i] ?? null));
    if (rows.length !== expected.length) {
      total++;
      wrong.push(`rows: expected ${expected.length}, read ${rows.length}`);
    }
  } else compare("", expected, actual);
  return [right, total, wrong];
}

interface Case {
  file: string;
  format: string;
  variant: Pick<FormVariant, "name" | "kind" | "campaign" | "expected">;
  bytes: () => Promise<Buffer>;
}

const variants = formVariants(60);
/** Word layouts as clerks make them: one table, split across a page, framed, Word 2003 merges. */
const docxOptions = (i: number) => [{}, { splitAfter: 3, repeatHeader: 1 }, { framed: true }, { hMerge: true }, { splitAfter: 2 }][i % 5]!;
const cases: Case[] = variants.flatMap((v, i) => [
  { file: `${v.name}.xlsx`, format: "xlsx", variant: v, bytes: () => layoutToXlsx(v.layout) },
  { file: `${v.name}.docx`, format: "docx", variant: v, bytes: async () => layoutToDocx(v.layout, docxOptions(i)) },
]);
if (existsSync(join(converted, "expected.json"))) {
  const labelled = JSON.parse(readFileSync(join(converted, "expected.json"), "utf8")) as { file: string; variant: Case["variant"] }[];
  for (const { file, variant } of labelled) {
    cases.push({ file, format: file.split(".").at(-1)!, variant, bytes: async () => readFileSync(join(converted, file)) });
  }
}

describe("form variants read through the real readers", { timeout: 300_000 }, () => {
  it("reads every value of every variant, in every format", async () => {
    const tally = new Map<string, { files: number; right: number; total: number }>();
    const failures: string[] = [];
    for (const c of cases) {
      const names = { info_form: "信息采集表", stats_form: "情况统计表", featured_list: "特色亮点活动一览表" };
      // Files named as clerks name them, not always after the form: content decides.
      const filename = c.file.startsWith("stats-0") || c.file.endsWith("0.docx") ? `附件.${c.format}` : `${names[c.variant.kind]}.${c.format}`;
      const content = await readFileContent(await c.bytes(), types[c.format]!, defaultFileReadLimits);
      const campaign = campaigns[c.variant.campaign]!;
      const u = understandFile(classifyByNameAndType(filename, content.mediaType), filename, content.content, campaign);
      let [right, total, wrong] = score(c.variant.expected, reading(c.variant.kind, u));
      total++;
      if (u.kind === c.variant.kind) right++;
      else wrong.unshift(`kind: expected ${c.variant.kind}, read ${u.kind} (${u.classifiedBy})`);
      const key = `${c.variant.kind} ${c.format}`;
      const t = tally.get(key) ?? { files: 0, right: 0, total: 0 };
      tally.set(key, { files: t.files + 1, right: t.right + right, total: t.total + total });
      if (wrong.length > 0) failures.push(`${c.file}: ${wrong.slice(0, 4).join("; ")}`);
    }
    const lines = [...tally]
      .sort()
      .map(([k, t]) => `${k.padEnd(20)} files ${String(t.files).padStart(3)}  values ${t.right}/${t.total}  ${((100 * t.right) / t.total).toFixed(1)}%`);
    const traits = new Map<string, number>();
    for (const v of variants) for (const trait of new Set(v.traits)) traits.set(trait, (traits.get(trait) ?? 0) + 1);
    const traitLine = [...traits]
      .sort()
      .map(([k, n]) => `${k} ${n}`)
      .join(", ");
    console.log(["form variants, per kind and format:", ...lines, `what the ${variants.length} generated variants exercise: ${traitLine}`].join("\n"));
    expect(failures).toEqual([]);
  });
});
