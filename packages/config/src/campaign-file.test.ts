import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CampaignConfigError, loadCampaignFile, parseCampaignYaml, type CampaignProblem } from "./campaign-file.ts";

const examplesDir = join(import.meta.dirname, "../../../examples");

/** A small valid campaign; the tests below break one line of it and name that line's number. */
const base = [
  "slug: test-week", //                                   1
  "title: 测试活动周", //                                  2
  "organizer: 测试区教育委员会", //                         3
  "period: { start: 2022-05-15, end: 2022-05-21 }", //     4
  "mailboxes:", //                                        5
  "  - id: main", //                                      6
  "    address: box@example.cn", //                       7
  "    provider: qq", //                                  8
  "    imap:", //                                         9
  "      host: imap.qq.com", //                           10
  "      user: box@example.cn", //                        11
  "      password_env: TEST_AUTH_CODE", //                12
  "smtp:", //                                             13
  "  host: smtp.qq.com", //                               14
  "  user: box@example.cn", //                            15
  "  password_env: TEST_AUTH_CODE", //                    16
  "  from_name: 测试区教委", //                            17
  "requirements:", //                                     18
  "  - id: info-form", //                                 19
  "    kind: info_form", //                               20
  "    title: 信息采集表", //                              21
  "    due: 2022-05-13 18:00", //                         22
  "    rules: { plan_text_max: 300 }", //                 23
  "schools:", //                                          24
  "  - name: 测试第一职业学校", //                          25
  '    qq: ["12345678"]', //                              26
  "  - name: 测试第二职业学校", //                          27
  "    aliases: [测试二职]", //                            28
  '    qq: ["2853310476"]', //                            29
];

/** The base campaign with line `n` (1-based) replaced; `null` keeps a blank line so numbers stay put. */
function withLine(n: number, replacement: string | null): string {
  const lines = [...base];
  lines[n - 1] = replacement ?? "";
  return `${lines.join("\n")}\n`;
}

function problemsOf(text: string): CampaignProblem[] {
  try {
    parseCampaignYaml(text, "broken.yaml");
  } catch (err) {
    if (!(err instanceof CampaignConfigError)) throw err;
    expect(err.code).toBe("CAMPAIGN_INVALID");
    return err.problems;
  }
  throw new Error("expected the campaign to be refused");
}

describe("loading the example campaigns", () => {
  const files = readdirSync(examplesDir)
    .filter((f) => f.endsWith(".yaml"))
    .sort();

  it("ships the three seed campaigns and the demo", () => {
    expect(files).toEqual(["demo.yaml", "nanchang-2022.yaml", "rongchang-2022.yaml", "sichuan-2023.yaml"]);
  });

  it.each(files)("loads examples/%s", (file) => {
    const campaign = loadCampaignFile(join(examplesDir, file));
    expect(campaign.slug).toBe(file.replace(/\.yaml$/, ""));
    expect(campaign.timezone).toBe("Asia/Shanghai");
    expect(campaign.schools.length).toBeGreaterThanOrEqual(3);
  });

  it("keeps Rongchang's deadlines and rules as the notice sets them", () => {
    const c = loadCampaignFile(join(examplesDir, "rongchang-2022.yaml"));
    expect(c.mailboxes.map((m) => [m.address, m.provider, m.imap.host, m.imap.port])).toEqual([["112812581@qq.com", "qq", "imap.qq.com", 993]]);
    const byKind = new Map(c.requirements.map((r) => [r.kind, r]));
    expect(byKind.get("info_form")).toMatchObject({ due: "2022-05-13 18:00", rules: { plan_text_max: 300, featured_text_max: 200 } });
    expect(byKind.get("daily_report")?.daily).toEqual({ from: "2022-05-15", to: "2022-05-21", by: "20:00", remind_at: "16:00" });
    expect(byKind.get("stats_form")?.rules.media_levels).toEqual(["市级及以上", "区县级"]);
    expect(byKind.get("summary_report")?.rules).toEqual({
      sections: ["基本情况", "主要做法和措施", "取得的成效", "媒体宣传情况", "存在问题及建议"],
      min_images: 5,
    });
    expect(byKind.get("law_summary")?.rules.max_chars).toBe(2000);
  });

  it("sends Sichuan's technical schools to the HR department's QQ mailbox", () => {
    const c = loadCampaignFile(join(examplesDir, "sichuan-2023.yaml"));
    expect(c.mailboxes.map((m) => [m.id, m.address, m.provider])).toEqual([
      ["edu", "scsjytzjc@163.com", "163"],
      ["hr", "123812973@qq.com", "qq"],
    ]);
    expect(c.schools.filter((s) => s.category === "技工").map((s) => s.mailbox)).toEqual(["hr", "hr"]);
    expect(c.schools.filter((s) => s.category === "高职").every((s) => s.mailbox === "edu")).toBe(true);
    expect(c.requirements.find((r) => r.kind === "stats_form")).toMatchObject({
      due: "2023-05-27 18:00",
      rules: { media_levels: ["省级及以上", "市(州)级", "县(区)级"] },
    });
    expect(c.requirements.find((r) => r.kind === "info_form")?.rules).toEqual({ plan_text_max: 300, featured_text_max: 300, signed_copy: true });
  });

  it("runs Nanchang as a month with the plan and featured list due on 5/17", () => {
    const c = loadCampaignFile(join(examplesDir, "nanchang-2022.yaml"));
    expect(c.period).toEqual({ kind: "month", start: "2022-05-06", end: "2022-05-31" });
    expect(c.requirements.filter((r) => r.due === "2022-05-17 18:00").map((r) => r.kind)).toEqual(["plan", "featured_list"]);
    expect(c.requirements.find((r) => r.kind === "featured_list")?.rules).toEqual({ intro_max: 300, signed_copy: true });
  });

  it("points the demo at GreenMail without TLS", () => {
    const c = loadCampaignFile(join(examplesDir, "demo.yaml"));
    expect(c.mailboxes[0]?.imap).toMatchObject({ host: "mailserver", port: 3143, secure: false, password_env: "BAOSONG_DEMO_PASSWORD" });
    expect(c.smtp).toMatchObject({ host: "mailserver", port: 3025, secure: false });
    expect(c.acknowledgements.allow_unknown_senders).toBe(true);
  });
});

describe("refusing a broken campaign file", () => {
  it("accepts the unbroken fixture, so each case below fails for its own reason", () => {
    const c = parseCampaignYaml(base.join("\n"), "ok.yaml");
    expect(c.schools[1]?.qq).toEqual(["2853310476"]);
    expect(c.smtp.port).toBe(465);
  });

  it("names an unknown key where it is written and suggests the right one", () => {
    expect(problemsOf(withLine(17, "  from_nmae: 测试区教委"))).toEqual([
      { file: "broken.yaml", line: 13, column: 1, key: "smtp.from_name", message: "missing required key 'from_name'" },
      { file: "broken.yaml", line: 17, column: 3, key: "smtp.from_nmae", message: "unknown key 'from_nmae' — did you mean 'from_name'?" },
    ]);
  });

  it("names a value of the wrong type", () => {
    expect(problemsOf(withLine(23, "    rules: { plan_text_max: 三百 }"))).toEqual([
      { file: "broken.yaml", line: 23, column: 29, key: "requirements[0].rules.plan_text_max", message: "expected a number, got '三百'" },
    ]);
  });

  it("names a bad QQ number deep in the roster", () => {
    expect(problemsOf(withLine(29, '    qq: ["0123"]'))).toEqual([
      { file: "broken.yaml", line: 29, column: 10, key: "schools[1].qq[0]", message: "QQ号为5–11位数字，且不以0开头" },
    ]);
  });

  it("asks for quotes around a QQ number written as a bare number", () => {
    const [problem] = problemsOf(withLine(29, "    qq: [2853310476]"));
    expect(problem).toMatchObject({ line: 29, column: 10, key: "schools[1].qq[0]" });
    expect(problem?.message).toContain('write it in quotes: "2853310476"');
  });

  it("refuses an inline password and never repeats the secret", () => {
    let error: unknown;
    try {
      parseCampaignYaml(withLine(12, "      password: abcdefghijklmnop"), "broken.yaml");
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(CampaignConfigError);
    const { problems, message } = error as CampaignConfigError;
    expect(problems).toEqual([
      { file: "broken.yaml", line: 9, column: 5, key: "mailboxes[0].imap.password_env", message: "missing required key 'password_env'" },
      {
        file: "broken.yaml",
        line: 12,
        column: 7,
        key: "mailboxes[0].imap.password",
        message: expect.stringContaining("secrets are never inline: use password_env"),
      },
    ]);
    expect(message).not.toContain("abcdefghijklmnop");
  });

  it("refuses a password key anywhere, not only beside password_env", () => {
    const text = withLine(28, "    password: hunter2");
    expect(problemsOf(text)).toEqual([
      { file: "broken.yaml", line: 28, column: 5, key: "schools[1].password", message: expect.stringContaining("secrets are never inline: use password_env") },
    ]);
  });

  it("points a missing top-level key at the first line of the document", () => {
    expect(problemsOf(withLine(3, null))).toEqual([{ file: "broken.yaml", line: 1, column: 1, key: "organizer", message: "missing required key 'organizer'" }]);
  });

  it("points a missing key in a list item at the item, and a missing nested key at its parent's key", () => {
    expect(problemsOf(withLine(21, null))).toEqual([
      { file: "broken.yaml", line: 19, column: 5, key: "requirements[0].title", message: "missing required key 'title'" },
    ]);
    expect(problemsOf(withLine(10, null))).toEqual([
      { file: "broken.yaml", line: 9, column: 5, key: "mailboxes[0].imap.host", message: "missing required key 'host'" },
    ]);
  });

  it("reports a YAML syntax error at its line", () => {
    const problems = problemsOf(withLine(23, "    rules: { plan_text_max: 300"));
    expect(problems[0]).toMatchObject({ file: "broken.yaml", line: 24, column: 1, key: "" });
    expect(problems[0]?.message).toMatch(/^YAML syntax: /);
  });

  it("refuses a key written twice in one map", () => {
    expect(problemsOf(withLine(15, "  host: smtp.163.com"))).toEqual([
      {
        file: "broken.yaml",
        line: 15,
        column: 3,
        key: "smtp.host",
        message: "key 'host' is written twice in the same map (keys must be unique)",
      },
    ]);
  });

  it("keeps dates as text even under a %YAML 1.1 directive", () => {
    const c = parseCampaignYaml(`%YAML 1.1\n---\n${base.join("\n")}\n`, "old.yaml");
    expect(c.period.start).toBe("2022-05-15");
    expect(c.requirements[0]?.due).toBe("2022-05-13 18:00");
  });

  it("refuses an alias to an anchor that does not exist", () => {
    expect(problemsOf(withLine(2, "title: *name"))).toEqual([
      { file: "broken.yaml", line: 2, column: 8, key: "title", message: expect.stringContaining("Unresolved alias") },
    ]);
  });

  it("says so when the file is empty", () => {
    expect(problemsOf("# nothing yet\n")).toEqual([
      { file: "broken.yaml", line: null, column: null, key: "", message: expect.stringContaining("the file is empty") },
    ]);
  });

  it("writes one problem per line as file:line:column key: reason", () => {
    let message = "";
    try {
      parseCampaignYaml(withLine(29, '    qq: ["0123"]').replace("slug: test-week", "slug: Test Week"), "examples/x.yaml");
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message.split("\n")).toEqual([
      "campaign file examples/x.yaml is invalid (2 problems):",
      "examples/x.yaml:1:7 slug: expected lowercase letters, digits and '-'",
      "examples/x.yaml:29:10 schools[1].qq[0]: QQ号为5–11位数字，且不以0开头",
    ]);
  });

  it("names the file it could not read", () => {
    const missing = join(mkdtempSync(join(tmpdir(), "baosong-config-")), "missing.yaml");
    expect(() => loadCampaignFile(missing)).toThrow(CampaignConfigError);
    expect(() => loadCampaignFile(missing)).toThrow(/missing\.yaml.*cannot read the file/);
  });

  it("reads the file named by the path and reports problems under that path", () => {
    const path = join(mkdtempSync(join(tmpdir(), "baosong-config-")), "x.yaml");
    writeFileSync(path, withLine(29, '    qq: ["0123"]'));
    expect(() => loadCampaignFile(path)).toThrow(`${path}:29:10 schools[1].qq[0]: QQ号为5–11位数字，且不以0开头`);
  });
});
