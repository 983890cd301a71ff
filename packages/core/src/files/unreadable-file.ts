import { finding, type Finding } from "../finding.ts";

/** Extensions of the files Baosong reads: a file so named that yields nothing is damaged or not what it says. */
const readableExtension = /\.(?:xlsx|xlsm|xls|et|docx|doc|wps|pdf)$/iu;

export function namedAsReadable(filename: string): boolean {
  return readableExtension.test(filename.trim());
}

/**
 * The finding for a file that could not be opened, in words the clerk can act on: a password
 * must be removed, an old Word 6/95 file saved anew, a damaged or cut-short file sent again.
 */
export function unreadableFinding(filename: string, code: string): Finding {
  const name = `“${filename}”`;
  switch (code) {
    case "ENCRYPTED":
      return finding(
        "error",
        "file_encrypted",
        `文件${name}设有打开密码，系统无法读取。请在 WPS 或 Office 中取消密码（文件→文档加密/保护→清除打开密码）后保存，再重新发送该文件。`,
        "attachment",
      );
    case "OLD_FORMAT":
      return finding(
        "error",
        "file_old_format",
        `文件${name}是 Word 6.0/95 或更早的旧格式，系统无法读取。请用 WPS 或 Word 打开后另存为 .docx（表格另存为 .xlsx）格式，再重新发送。`,
        "attachment",
      );
    case "SHEET_TOO_LARGE":
    case "DOC_TOO_LARGE":
    case "FILE_TOO_LARGE":
      return finding("error", "file_too_large", `文件${name}内容过大，超出系统读取上限。请删去多余的工作表或内容后重新发送。`, "attachment");
    default:
      return finding(
        "error",
        "file_unreadable",
        `文件${name}无法打开，可能已损坏或未完整发送。请检查后重新发送该文件（表格请另存为 .xlsx 格式，文档请另存为 .docx 或 PDF 格式）。`,
        "attachment",
      );
  }
}
