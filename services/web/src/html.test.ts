import { describe, expect, it } from "vitest";
import { html } from "./html.ts";

describe("html", () => {
  it("escapes what a school wrote and keeps nested templates as markup", () => {
    const subject = `<script>alert("x")</script>&'`;
    expect(html`<td>${subject}</td>${[html`<b>${"a<b"}</b>`]}`.text).toBe("<td>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;</td><b>a&lt;b</b>");
  });

  it("renders nothing for null, undefined and false", () => {
    expect(html`${null}${undefined}${false}${0}`.text).toBe("0");
  });
});
