export { buildConsole, startWeb, type Console, type WebDeps, type WebSettings } from "./server.ts";
export { hashPassword, verifyPassword } from "./passwords.ts";
export { attachmentDisposition, fileSegment } from "./content-disposition.ts";
