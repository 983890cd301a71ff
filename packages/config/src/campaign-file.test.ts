import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CampaignConfigError, loadCampaignFile, parseCampaignYaml } from "./campaign-file.ts";

const examplesDir = join(import.meta.dirname, "../../../examples");
const demo = readFileSync(join(examplesDir, "demo.yaml"), "utf8");

/** Replaces the first line matching `pattern` and returns the text and that line's number. */
function edit(pattern: RegExp, replacement: string): { text: string; line: number } {
  const lines = demo.split("\n");
  const index = lines.findIndex((l) => pattern.test(l));
  if (index < 0) throw new Error(`no line matches ${pattern}`);
  lines[index] = lines[index]!.replace(pattern, replacement);
  return { text: lines.join("\n"), line: index + 1 };
}

function problemsOf(text: string) {
  try {
    parseCampaignYaml(text, "broken.yaml");
  } catch (err) {
    expect(err).toBeInstanceOf(CampaignConfigError);
    return (err as CampaignConfigError).problems;
  }
  throw new Error("expected the file to be refused");
}

describe("campaign files", () => {
  it.each(readdirSync(examplesDir).filter((f) => f.endsWith(".yaml")))("loads examples/%s", (file) => {
    const campaign = loadCampaignFile(join(examplesDir, file));
    expect(campaign.schools.length).toBeGreaterThan(0);
    expect(campaign.mailboxes.length).toBeGreaterThan(0);
    expect(campaign.timezone).toBe("Asia/Shanghai");
  });

  it("keeps the seeds' facts: Sichuan has two mailboxes and three media levels", () => {
    const sichuan = loadCampaignFile(join(examplesDir, "sichuan-2023.yaml"));
    expect(sichuan.mailboxes.map((m) => m.address)).toEqual(["scsjytzjc@163.com", "123812973@qq.com"]);
    expect(sichuan.requirements.find((r) => r.kind === "stats_form")?.rules.media_levels).toEqual(["省级及以上", "市(州)级", "县(区)级"]);
    const rongchang = loadCampaignFile(join(examplesDir, "rongchang-2022.yaml"));
    expect(rongchang.requirements.find((r) => r.kind === "info_form")?.rules.featured_text_max).toBe(200);
    expect(loadCampaignFile(join(examplesDir, "nanchang-2022.yaml")).period.kind).toBe("month");
  });

  it("names file, line, key and reason for a wrong value deep in the roster", () => {
    const lines = demo.split("\n");
    const at = lines.findIndex((l) => l.includes("senders: [school2@demo.baosong.local]"));
    lines.splice(at + 1, 0, '    qq: ["0123"]');
    const [p] = problemsOf(lines.join("\n"));
    expect(p).toMatchObject({ file: "broken.yaml", line: at + 2, key: "schools[1].qq[0]", message: "QQ号为5–11位数字，且不以0开头" });
  });

  it("names an unknown key where it stands", () => {
    const { text, line } = edit(/^  per_minute: 60$/, "  per_minuet: 60");
    expect(problemsOf(text)).toEqual([
      expect.objectContaining({ line, column: 3, key: "smtp.per_minuet", message: "unknown key 'per_minuet'" }),
    ]);
  });

  it("refuses a wrong type", () => {
    const { text, line } = edit(/port: 3143/, "port: imap");
    expect(problemsOf(text)[0]).toMatchObject({ line, key: "mailboxes[0].imap.port" });
  });

  it("refuses an inline password and says to use password_env", () => {
    const { text, line } = edit(/password_env: BAOSONG_DEMO_PASSWORD }/, "password: hunter2 }");
    const problems = problemsOf(text);
    expect(problems).toContainEqual(expect.objectContaining({ line, key: "mailboxes[0].imap.password", message: expect.stringContaining("use password_env") }));
  });

  it("refuses a secret written where the variable name belongs", () => {
    const { text, line } = edit(/^  password_env: BAOSONG_DEMO_PASSWORD$/, "  password_env: abcdefghijklmnop");
    expect(problemsOf(text)[0]).toMatchObject({ line, key: "smtp.password_env", message: expect.stringContaining("NAME of an environment variable") });
  });

  it("points a missing required key at its parent", () => {
    const { text } = edit(/^organizer: .*$/, "");
    const firstKeyLine = demo.split("\n").findIndex((l) => l.startsWith("slug:")) + 1;
    expect(problemsOf(text)[0]).toMatchObject({ key: "organizer", line: firstKeyLine, message: expect.stringContaining("required") });
  });

  it("reports YAML syntax errors with their line", () => {
    const { text, line } = edit(/^title: 演示活动周$/, "title: [演示活动周");
    expect(problemsOf(text)[0]!.line).toBeGreaterThanOrEqual(line);
  });

  it("refuses a duplicate key", () => {
    const { text } = edit(/^timezone: Asia\/Shanghai$/, "timezone: Asia/Shanghai\ntimezone: Europe/Berlin");
    expect(problemsOf(text)[0]!.message).toMatch(/unique/i);
  });

  it("puts every problem into the error message, one per line", () => {
    const { text } = edit(/^slug: demo$/, "slug: Not A Slug");
    const err = (() => {
      try {
        parseCampaignYaml(text, "examples/x.yaml");
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err?.message).toMatch(/^ {2}examples\/x\.yaml:\d+:\d+ slug: /m);
  });
});
