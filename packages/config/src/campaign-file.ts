import { readFileSync } from "node:fs";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from "yaml";
import type { z } from "zod";
import { campaignSchema, type Campaign } from "@baosong/core";

export interface ConfigProblem {
  file: string;
  line: number | null;
  column: number | null;
  /** The key path, e.g. `schools[3].qq[0]`. */
  key: string;
  message: string;
}

/** A campaign file that cannot be used, with every problem located in the file. */
export class CampaignConfigError extends Error {
  readonly code = "CAMPAIGN_INVALID";
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
  ) {
    super(
      `campaign file ${file} is invalid:\n` +
        problems.map((p) => `  ${p.file}${p.line ? `:${p.line}:${p.column}` : ""} ${p.key || "(top level)"}: ${p.message}`).join("\n"),
    );
  }
}

export function loadCampaignFile(path: string): Campaign {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new CampaignConfigError(path, [{ file: path, line: null, column: null, key: "", message: `cannot read the file: ${(err as Error).message}` }]);
  }
  return parseCampaignYaml(text, path);
}

/** YAML 1.2 (dates stay strings), duplicate keys refused, every problem mapped to its line. */
export function parseCampaignYaml(text: string, fileName: string): Campaign {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, version: "1.2" });
  const syntax = [...doc.errors, ...doc.warnings].map((e) => {
    const pos = lineCounter.linePos(e.pos[0]);
    return { file: fileName, line: pos.line, column: pos.col, key: "", message: e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "") };
  });
  if (syntax.length) throw new CampaignConfigError(fileName, syntax);

  const parsed = campaignSchema.safeParse(doc.toJS());
  if (parsed.success) return parsed.data;
  throw new CampaignConfigError(fileName, parsed.error.issues.map((issue) => locate(issue, doc, lineCounter, fileName)));
}

function locate(issue: z.core.$ZodIssue, doc: Document, lines: LineCounter, file: string): ConfigProblem {
  const path = issue.path.map((p) => (typeof p === "symbol" ? String(p) : p));
  let message = issue.message;
  let keyPath = path;
  if (issue.code === "unrecognized_keys") {
    const keys = issue.keys;
    if (keys.includes("password")) message = "secrets are never inline: use password_env (the NAME of an environment variable)";
    else message = `unknown key${keys.length > 1 ? "s" : ""} ${keys.map((k) => `'${k}'`).join(", ")}`;
    keyPath = [...path, keys[0]!];
  } else if (issue.code === "invalid_type" && issue.input === undefined) {
    message = `required key is missing (${issue.message})`;
  }
  const node = nearestNode(doc, keyPath, issue.code === "unrecognized_keys");
  const pos = node?.range ? lines.linePos(node.range[0]) : null;
  return { file, line: pos?.line ?? null, column: pos?.col ?? null, key: formatPath(keyPath), message };
}

/** The deepest existing YAML node on the path: for an unknown key its key, for a missing one its parent. */
function nearestNode(doc: Document, path: (string | number)[], atKey: boolean): Node | null {
  let node: unknown = doc.contents;
  for (const [i, step] of path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && p.key.value === step);
      if (!pair) return node;
      if (atKey && i === path.length - 1 && isScalar(pair.key)) return pair.key;
      if (pair.value === null || (isScalar(pair.value) && pair.value.value === null)) return isScalar(pair.key) ? pair.key : node;
      node = pair.value;
    } else if (isSeq(node) && typeof step === "number") {
      const item = node.items[step];
      if (!item) return node;
      node = item;
    } else {
      break;
    }
  }
  return (node as Node | null) ?? null;
}

function formatPath(path: (string | number)[]): string {
  return path.reduce<string>((s, p) => (typeof p === "number" ? `${s}[${p}]` : s ? `${s}.${p}` : p), "");
}
