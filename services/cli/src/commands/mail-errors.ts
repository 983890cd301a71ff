/** Turns an IMAP/SMTP failure into one line an admin can act on (SPEC §9's known traps). */
export function explainMailError(err: unknown, provider: string, protocol: "imap" | "smtp"): string {
  const e = err as { code?: string; message?: string; authenticationFailed?: boolean; responseText?: string; response?: string };
  const text = `${e.responseText ?? ""} ${e.response ?? ""} ${e.message ?? ""}`.trim();
  const authCode =
    provider === "qq"
      ? "QQ邮箱须使用“授权码”（设置→账户→开启IMAP/SMTP服务后生成的16位字母），不是QQ密码"
      : provider === "163"
        ? "163邮箱须使用“客户端授权密码”，不是登录密码"
        : "请核对用户名和密码";
  if (/unsafe login/i.test(text)) return `服务器拒绝了“不安全登录”（${text}）——163邮箱要求客户端发送 IMAP ID；请确认使用最新版本，并在网页版开启 IMAP 服务`;
  if (e.authenticationFailed || e.code === "EAUTH" || /auth|login|535|526|password/i.test(text)) return `登录失败（${short(text)}）——${authCode}`;
  if (e.code === "ENOTFOUND" || e.code === "EAI_AGAIN") return `找不到服务器（${e.code}）——请检查主机名，以及本机能否解析域名`;
  if (e.code === "ECONNREFUSED") return `连接被拒绝——请检查端口（${protocol === "imap" ? "IMAP 通常为 993" : "SMTP 通常为 465"}）和防火墙`;
  if (e.code === "ETIMEDOUT" || /timeout/i.test(text)) return "连接超时——请检查网络、防火墙，以及端口与 TLS 设置（secure）是否匹配";
  if (/certificate|ssl|tls/i.test(text)) return `TLS 握手失败（${short(text)}）——请检查 secure 与端口是否匹配（465/993 为 true）`;
  return `失败（${short(text) || e.code || "未知错误"}）——请检查配置，或稍后重试`;
}

function short(s: string): string {
  return s.length > 120 ? `${s.slice(0, 117)}…` : s;
}
