import { describe, expect, it } from "vitest";
import { findLargeAttachmentLinks, isRecallNotice } from "./large-attachments.ts";

describe("QQ large attachments", () => {
  it("reads downloadlink and expiretime from the QQMailBigAttach block", () => {
    const html = `<p>视频太大，用超大附件发送</p><div id="QQMailBigAttach"><div><span class="qqmailbgattach" downloadlink="https://mail.qq.com/cgi-bin/ftnExs_download?k=abc&amp;t=exs_ftn_download" expiretime="1653235200" filename="5月16日活动视频.mp4" filesize="312.5M">5月16日活动视频.mp4</span></div></div>`;
    expect(findLargeAttachmentLinks(html, "Asia/Shanghai")).toEqual([
      {
        filename: "5月16日活动视频.mp4",
        url: "https://mail.qq.com/cgi-bin/ftnExs_download?k=abc&t=exs_ftn_download",
        sizeText: "312.5M",
        expiresAt: new Date(1653235200 * 1000),
      },
    ]);
  });

  it("reads the bigatt_bt layout whose title holds name, size and 到期时间", () => {
    const html = `<div class="bigatt_bt" title="活动周总结.zip&#10;文件大小：56.2M&#10;到期时间：2022年06月20日 17:33"><a href="https://wx.mail.qq.com/ftn/download?func=3&amp;k=xyz">下载</a></div>`;
    const [link] = findLargeAttachmentLinks(html.replace("&#10;", "\n").replace("&#10;", "\n"), "Asia/Shanghai");
    expect(link).toEqual({
      filename: "活动周总结.zip",
      url: "https://wx.mail.qq.com/ftn/download?func=3&k=xyz",
      sizeText: "56.2M",
      expiresAt: new Date("2022-06-20T09:33:00Z"),
    });
  });

  it("finds nothing in an ordinary mail", () => {
    expect(findLargeAttachmentLinks("<p>附件是采集表</p>", "Asia/Shanghai")).toEqual([]);
    expect(findLargeAttachmentLinks(null, "Asia/Shanghai")).toEqual([]);
  });

  it("recognises QQ recall notices", () => {
    expect(isRecallNotice("发信方已撤回邮件：信息采集表")).toBe(true);
    expect(isRecallNotice("信息采集表")).toBe(false);
  });
});
