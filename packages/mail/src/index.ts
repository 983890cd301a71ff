export * from "./message-reader.ts";
export * from "./media-type.ts";
export * from "./smtp-sender.ts";
export * from "./delivery-error.ts";
export * from "./send-pacer.ts";
export * from "./header-charset.ts";
