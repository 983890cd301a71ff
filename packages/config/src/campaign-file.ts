import { readFileSync } from "node:fs";
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Alias, type Document, type Node } from "yaml";
import type { z } from "zod";
import { campaignSchema, type Campaign } from "@baosong/core";

/** One thing wrong with a campaign file, located in it (line and column are 1-based). */
export interface CampaignProblem {
  file: string;
  line: number | null;
  column: number | null;
  /** The key path, e.g. `schools[3].qq[0]`; "" for the document itself. */
  key: string;
  message: string;
}

/** Thrown when a campaign file cannot be used; `problems` lists everything wrong, in file order. */
export class CampaignConfigError extends Error {
  override readonly name = "CampaignConfigError";
  readonly code = "CAMPAIGN_INVALID";
  constructor(
    readonly file: string,
    readonly problems: CampaignProblem[],
  ) {
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    super([`campaign file ${file} is invalid (${count}):`, ...problems.map(formatProblem)].join("\n"));
  }
}

/** `examples/x.yaml:12:5 schools[3].qq[0]: QQ号为5–11位数字，且不以0开头` */
export function formatProblem(p: CampaignProblem): string {
  const at = p.line === null ? "" : `:${p.line}:${p.column ?? 1}`;
  return `${p.file}${at} ${p.key || "(document)"}: ${p.message}`;
}

export function loadCampaignFile(path: string): Campaign {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const problem = { file: path, line: null, column: null, key: "", message: `cannot read the file: ${(err as Error).message}` };
    throw new CampaignConfigError(path, [problem]);
  }
  return parseCampaignYaml(text, path);
}

type Path = (string | number)[];
type Locate = (node: Node | null | undefined) => { line: number | null; column: number | null };

export function parseCampaignYaml(text: string, fileName: string): Campaign {
  const lineCounter = new LineCounter();
  // YAML 1.2 core schema even under a `%YAML 1.1` directive: 2022-05-13 stays a string, 0123 is not octal.
  const doc = parseDocument(text, { lineCounter, version: "1.2", schema: "core", uniqueKeys: true, prettyErrors: false });
  const locate: Locate = (node) => {
    if (!node?.range) return { line: null, column: null };
    const { line, col } = lineCounter.linePos(node.range[0]);
    return { line, column: col };
  };
  const problem = (key: Path, node: Node | null | undefined, message: string): CampaignProblem => ({
    file: fileName,
    ...locate(node),
    key: formatPath(key),
    message,
  });

  const secrets = inlineSecrets(doc.contents).map(([path, node]) =>
    problem(path, node, "secrets are never inline: use password_env (the NAME of an environment variable)"),
  );
  const syntax = [...doc.errors, ...doc.warnings].map((e): CampaignProblem => {
    const { line, col } = lineCounter.linePos(e.pos[0]);
    // Past a syntax error the tree is a guess, so only a duplicate key is named by its path.
    if (e.code !== "DUPLICATE_KEY") return { file: fileName, line, column: col, key: "", message: `YAML syntax: ${e.message.split("\n")[0]}` };
    const path = pathAt(doc.contents, e.pos[0]);
    const message = `key '${String(path.at(-1))}' is written twice in the same map (keys must be unique)`;
    return { file: fileName, line, column: col, key: formatPath(path), message };
  });
  if (syntax.length) fail(fileName, [...syntax, ...secrets]);
  if (doc.contents === null)
    fail(fileName, [problem([], null, "the file is empty: a campaign needs slug, title, organizer, period, mailboxes, smtp and schools")]);

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // An alias to an anchor defined later (or nowhere), or an alias bomb.
    const alias = firstAlias(doc.contents, (a) => !a.resolve(doc)) ?? firstAlias(doc.contents, () => true);
    const key = alias?.range ? pathAt(doc.contents, alias.range[0]) : [];
    fail(fileName, [...secrets, problem(key, alias, `YAML: ${(err as Error).message}`)]);
  }

  const parsed = campaignSchema.safeParse(data);
  if (parsed.success && !secrets.length) return parsed.data;
  const issues = parsed.success ? [] : parsed.error.issues;
  // Inline secrets were reported above from the YAML itself; zod sees the same keys again.
  const fromSchema = issues.flatMap((issue) => explain(issue, doc, problem)).filter((p) => !isSecretKey(p.key.split(/[.[]/).at(-1)));
  fail(fileName, [...secrets, ...fromSchema]);
}

function fail(file: string, problems: CampaignProblem[]): never {
  // File order; problems without a position last. Array.prototype.sort is stable.
  const max = Number.MAX_SAFE_INTEGER;
  const sorted = [...problems].sort((a, b) => (a.line ?? max) - (b.line ?? max) || (a.column ?? 0) - (b.column ?? 0));
  throw new CampaignConfigError(file, sorted);
}

/** Turns one zod issue into problems that name the YAML node an admin has to change. */
function explain(
  issue: z.core.$ZodIssue,
  doc: Document,
  problem: (key: Path, node: Node | null | undefined, message: string) => CampaignProblem,
): CampaignProblem[] {
  const path: Path = issue.path.map((p) => (typeof p === "symbol" ? String(p) : p));
  if (issue.code === "unrecognized_keys") {
    const parent = nodeAt(doc.contents, path);
    const known = knownKeys(path);
    return issue.keys.map((key) => {
      const pair = isMap(parent) ? parent.items.find((p) => isScalar(p.key) && p.key.value === key) : undefined;
      return problem([...path, key], (pair?.key as Node | undefined) ?? parent, `unknown key '${key}'${suggest(key, known)}`);
    });
  }
  const parent = path.length ? nodeAt(doc.contents, path.slice(0, -1)) : null;
  const last = path.at(-1);
  if (isMap(parent) && typeof last === "string" && !parent.items.some((p) => isScalar(p.key) && p.key.value === last)) {
    // Point at the parent's own key (`smtp:`) when it has one, else at the map (a list item, the document).
    const parentKey = typeof path.at(-2) === "string" ? keyNodeAt(doc.contents, path.slice(0, -1)) : null;
    return [problem(path, parentKey ?? parent, `missing required key '${last}'`)];
  }
  const node = nodeAt(doc.contents, path);
  // An empty value (`smtp:`) has no node of its own: point at its key.
  const target = isScalar(node) && node.value === null ? (keyNodeAt(doc.contents, path) ?? node) : node;
  return [problem(path, target, reason(issue, node))];
}

function reason(issue: z.core.$ZodIssue, node: Node | null | undefined): string {
  const quoteHint = isScalar(node) && typeof node.value === "number" ? ` — write it in quotes: "${String(node.source ?? node.value)}"` : "";
  if (issue.code === "invalid_type") {
    const names: Record<string, string> = { object: "a map (key: value)", array: "a list", string: "text", number: "a number", boolean: "true or false" };
    const wanted = names[issue.expected] ?? issue.expected;
    const got = isMap(node) ? "a map" : isSeq(node) ? "a list" : isScalar(node) ? (node.value === null ? "nothing" : `'${String(node.value)}'`) : "nothing";
    return `expected ${wanted}, got ${got}${issue.expected === "string" ? quoteHint : ""}`;
  }
  if (issue.code === "invalid_value") return `${issue.message}${quoteHint}`;
  return issue.message;
}

/** Every `password:` key, wherever it is written. */
function inlineSecrets(node: unknown, path: Path = []): [Path, Node][] {
  if (isMap(node)) {
    return node.items.flatMap((pair) => {
      if (!isScalar(pair.key)) return [];
      const key = String(pair.key.value);
      return isSecretKey(key) ? [[[...path, key], pair.key] as [Path, Node]] : inlineSecrets(pair.value, [...path, key]);
    });
  }
  if (isSeq(node)) return node.items.flatMap((item, i) => inlineSecrets(item, [...path, i]));
  return [];
}

function isSecretKey(key: string | undefined): boolean {
  return key?.toLowerCase() === "password";
}

function nodeAt(root: unknown, path: Path): Node | null {
  let node: unknown = root;
  for (const step of path) {
    if (isMap(node)) node = node.items.find((p) => isScalar(p.key) && p.key.value === step)?.value;
    else if (isSeq(node) && typeof step === "number") node = node.items[step];
    else return null;
    if (node === undefined) return null;
  }
  return (node as Node | null) ?? null;
}

function keyNodeAt(root: unknown, path: Path): Node | null {
  const parent = nodeAt(root, path.slice(0, -1));
  if (!isMap(parent)) return null;
  const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === path.at(-1));
  return (pair?.key as Node | undefined) ?? null;
}

/** The key path of the deepest node that contains `offset` (for YAML errors, which come as offsets). */
function pathAt(root: unknown, offset: number, path: Path = []): Path {
  const within = (n: unknown) => (isScalar(n) || isMap(n) || isSeq(n) || isAlias(n)) && !!n.range && n.range[0] <= offset && offset < n.range[2];
  if (isMap(root)) {
    for (const pair of root.items) {
      if (!isPair(pair) || !isScalar(pair.key)) continue;
      const key = String(pair.key.value);
      if (within(pair.key)) return [...path, key];
      if (within(pair.value)) return pathAt(pair.value, offset, [...path, key]);
    }
  } else if (isSeq(root)) {
    const i = root.items.findIndex(within);
    if (i >= 0) return pathAt(root.items[i], offset, [...path, i]);
  }
  return path;
}

function firstAlias(node: unknown, test: (alias: Alias) => boolean): Alias | null {
  if (isAlias(node)) return test(node) ? node : null;
  const children = isMap(node) ? node.items.flatMap((p) => [p.key, p.value]) : isSeq(node) ? node.items : [];
  for (const child of children) {
    const alias = firstAlias(child, test);
    if (alias) return alias;
  }
  return null;
}

function formatPath(path: Path): string {
  return path.reduce<string>((s, p) => (typeof p === "number" ? `${s}[${p}]` : s ? `${s}.${p}` : p), "");
}

interface SchemaDef {
  type: string;
  shape?: Record<string, { _zod: { def: SchemaDef } }>;
  element?: { _zod: { def: SchemaDef } };
  innerType?: { _zod: { def: SchemaDef } };
  in?: { _zod: { def: SchemaDef } };
  options?: { _zod: { def: SchemaDef } }[];
}

/** The keys the schema allows at `path`, read from the schema itself so the hint never goes stale. */
function knownKeys(path: Path): string[] {
  const keysOf = (def: SchemaDef | undefined, rest: Path): string[] => {
    if (!def) return [];
    const inner = def.innerType ?? def.in;
    if (inner) return keysOf(inner._zod.def, rest);
    if (def.options) return [...new Set(def.options.flatMap((o) => keysOf(o._zod.def, rest)))];
    if (def.type === "array") return typeof rest[0] === "number" ? keysOf(def.element?._zod.def, rest.slice(1)) : [];
    if (def.type !== "object" || !def.shape) return [];
    if (!rest.length) return Object.keys(def.shape).filter((k) => !isSecretKey(k));
    return keysOf(def.shape[String(rest[0])]?._zod.def, rest.slice(1));
  };
  return keysOf((campaignSchema as unknown as { _zod: { def: SchemaDef } })._zod.def, path);
}

function suggest(key: string, known: string[]): string {
  const norm = (s: string) => s.toLowerCase().replace(/[-_]/g, "");
  const close = known.find((k) => norm(k) === norm(key)) ?? known.find((k) => distance(k, key) <= 2);
  if (close) return ` — did you mean '${close}'?`;
  return known.length ? ` — allowed here: ${known.join(", ")}` : "";
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}
