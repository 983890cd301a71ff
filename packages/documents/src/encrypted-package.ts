import { isCompoundFile, openCompoundFile } from "./cfb.ts";

/**
 * Whether the bytes are a password-protected Office Open XML file: Office (and WPS) save one as
 * an OLE compound file holding EncryptionInfo and an EncryptedPackage stream ([MS-OFFCRYPTO]
 * §2.3.4), whatever the name says (.xlsx, .docx). Without the password there is nothing to read.
 */
export function isEncryptedPackage(buf: Buffer): boolean {
  if (!isCompoundFile(buf)) return false;
  try {
    return openCompoundFile(buf)
      .streamNames()
      .some((n) => n.toLowerCase() === "encryptedpackage");
  } catch {
    return false;
  }
}
