import { describe, expect, it } from "vitest";
import { campaignDay, formatCampaignTime, zonedToInstant } from "./campaign-time.ts";

describe("campaign time", () => {
  it("reads a deadline in Asia/Shanghai as UTC+8", () => {
    expect(zonedToInstant("2022-05-13 18:00", "Asia/Shanghai").toISOString()).toBe("2022-05-13T10:00:00.000Z");
  });

  it("puts a mail received at 23:30 Beijing time on that Beijing day, not the UTC day", () => {
    const instant = new Date("2022-05-15T15:30:00Z");
    expect(campaignDay(instant, "Asia/Shanghai")).toBe("2022-05-15");
    expect(campaignDay(new Date("2022-05-15T16:30:00Z"), "Asia/Shanghai")).toBe("2022-05-16");
  });

  it("handles a zone with daylight saving", () => {
    expect(zonedToInstant("2022-07-01 12:00", "Europe/Berlin").toISOString()).toBe("2022-07-01T10:00:00.000Z");
    expect(zonedToInstant("2022-01-01 12:00", "Europe/Berlin").toISOString()).toBe("2022-01-01T11:00:00.000Z");
  });

  it("formats for a clerk", () => {
    expect(formatCampaignTime(new Date("2022-05-13T10:05:00Z"), "Asia/Shanghai")).toBe("2022年5月13日 18:05");
  });
});
