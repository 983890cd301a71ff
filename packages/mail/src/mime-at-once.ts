import type { Transform } from "node:stream";
import type MailComposer from "nodemailer/lib/mail-composer";
import type MimeNode from "nodemailer/lib/mime-node";

/*
 * A 回执 is a few kilobytes of text: written into one buffer from nodemailer's composed tree,
 * without a stream and an event-loop turn per MIME part. nodemailer still decides every header,
 * part and encoding; mime-at-once.test.ts holds the bytes to nodemailer's own build.
 */

/** Loaded with the first mail, once: an `import()` per mail costs more than writing the mail. */
let parts: Promise<ComposerParts> | null = null;
export function composerParts(): Promise<ComposerParts> {
  parts ??= Promise.all([import("nodemailer/lib/mail-composer"), import("nodemailer/lib/base64"), import("nodemailer/lib/qp")]).then(
    ([composer, base64, qp]) => ({ MailComposer: composer.default, encoders: { base64: base64.Encoder, qp: qp.Encoder } }),
  );
  return parts;
}

/** The message of a composed tree: written at once when it is all text in memory, else by nodemailer's streams. */
export async function buildMessage(root: MimeNode): Promise<Buffer> {
  const atOnce = writeAtOnce(root, (await composerParts()).encoders);
  if (atOnce) return atOnce;
  return new Promise<Buffer>((resolve, reject) => root.build((err, message) => (err ? reject(err) : resolve(message))));
}

interface ComposerParts {
  MailComposer: typeof MailComposer;
  encoders: ContentEncoders;
}

/** nodemailer's own content encoders, as MimeNode.stream uses them. */
export interface ContentEncoders {
  base64: new (options?: object) => Transform;
  qp: new (options?: object) => Transform;
}

/** What `writeAtOnce` reads of nodemailer's MimeNode beyond its typed surface. */
interface TreeNode {
  content?: unknown;
  contentType?: string;
  multipart?: string | false;
  boundary?: string;
  childNodes: TreeNode[];
  _raw?: unknown;
  _transforms: unknown[];
  _processFuncs: unknown[];
  buildHeaders(): string;
  getTransferEncoding(): string | false;
}

/**
 * The bytes MimeNode.stream writes, without its streams and event-loop turns per part (the
 * CPU a small 回执 costs): headers, each text through nodemailer's own encoder, boundaries,
 * and the final line break LastNewline adds. Null for a tree it does not cover (streams,
 * files, transforms): those go through nodemailer's build. mime-at-once.test.ts holds the two
 * to the same bytes.
 */
export function writeAtOnce(root: MimeNode, encoders: ContentEncoders): Buffer | null {
  const tree = root as unknown as TreeNode;
  if (!coverable(tree)) return null;
  const out: Buffer[] = [];
  if (!writeNode(tree, encoders, out)) return null;
  const last = out.at(-1);
  if (last?.at(-1) !== 0x0a) out.push(Buffer.from(last?.at(-1) === 0x0d ? "\n" : "\r\n"));
  return Buffer.concat(out);
}

function coverable(node: TreeNode): boolean {
  if (node._raw || node._transforms.length || node._processFuncs.length) return false;
  const content = node.content;
  if (content && typeof content !== "string" && !Buffer.isBuffer(content)) return false;
  // `multipart` is only known once the headers are built: look at every child.
  return node.childNodes.every(coverable);
}

function writeNode(node: TreeNode, encoders: ContentEncoders, out: Buffer[]): boolean {
  out.push(Buffer.from(`${node.buildHeaders()}\r\n\r\n`));
  const content = node.content as string | Buffer | undefined;
  if (content) {
    const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content);
    const encoding = node.getTransferEncoding();
    const encoder =
      encoding === "base64"
        ? new encoders.base64()
        : encoding === "quoted-printable"
          ? new encoders.qp({ binary: !/^text\//i.test(node.contentType ?? "") })
          : null;
    const encoded = encoder ? encodeAtOnce(encoder, bytes) : bytes;
    if (!encoded) return false;
    out.push(encoded);
  }
  if (!node.multipart) return true;
  for (const [i, child] of node.childNodes.entries()) {
    out.push(Buffer.from(`${i ? "\r\n" : ""}--${node.boundary}\r\n`));
    if (!writeNode(child, encoders, out)) return false;
  }
  out.push(Buffer.from(`\r\n--${node.boundary}--\r\n`));
  return true;
}

/** One chunk through an encoder's transform and flush, which nodemailer's encoders run synchronously; null if one did not. */
function encodeAtOnce(encoder: Transform, bytes: Buffer): Buffer | null {
  const out: Buffer[] = [];
  encoder.push = (chunk: unknown, encoding?: BufferEncoding) => {
    if (chunk !== null && chunk !== undefined) out.push(typeof chunk === "string" ? Buffer.from(chunk, encoding) : (chunk as Buffer));
    return true;
  };
  let steps = 0;
  // Node hands a Buffer to _transform with the encoding "buffer".
  encoder._transform(bytes, "buffer" as BufferEncoding, () => steps++);
  encoder._flush?.(() => steps++);
  return steps === 2 ? Buffer.concat(out) : null;
}
