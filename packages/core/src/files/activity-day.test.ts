import { describe, expect, it } from "vitest";
import { activityDayOf } from "./activity-day.ts";

const period = { start: "2022-05-15", end: "2022-05-21" };
const day = (subject: string | null, filename: string | null = null, receivedDay = "2022-05-18") => activityDayOf({ subject, filename, receivedDay, period });

describe("activityDayOf", () => {
  it.each([
    ["荣昌职教中心5月16日新闻稿", "2022-05-16"],
    ["5月16号活动简报", "2022-05-16"],
    ["【5.16】技能展示", "2022-05-16"],
    ["2022-05-16 活动报道", "2022-05-16"],
    ["2022年5月16日活动", "2022-05-16"],
    ["20220516案例", "2022-05-16"],
    ["0516 稿件", "2022-05-16"],
    ["5-17 照片", "2022-05-17"],
  ])("reads %s as %s", (subject, expected) => {
    expect(day(subject)).toEqual({ day: expected, source: "subject" });
  });

  it("prefers the file name's date to the subject's", () => {
    expect(day("5月16日稿件", "5月17日新闻.docx")).toEqual({ day: "2022-05-17", source: "filename" });
  });

  it("falls back to the receiving day when nothing names a date", () => {
    expect(day("活动稿件", "附件1.docx")).toEqual({ day: "2022-05-18", source: "received" });
  });

  it("does not take version numbers, attachment numbers or phone numbers for dates", () => {
    expect(day("附件1.2 稿件 v1.5.16", "13800000516.docx").source).toBe("received");
    expect(day("附件2-3", null).source).toBe("received");
  });

  it("refuses impossible dates", () => {
    expect(day("2月30日活动").source).toBe("received");
  });
});
