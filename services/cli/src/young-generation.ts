import { setFlagsFromString } from "node:v8";

/** V8's own growth factor of the new space (`node --v8-options`), restored after a freeze. */
const V8_SEMI_SPACE_GROWTH_FACTOR = 2;

/**
 * Runs `work` with V8's young generation held at the size it has now. V8 sizes the young
 * generation's ceiling from the machine's memory (64 MB per semi-space on a 24 GiB host) and
 * grows towards it whenever many young objects survive a scavenge, as they do in start-up's
 * module loading, migrations and campaign apply, or in the digest's 10,000 schools of rows; once
 * grown, an idle process keeps it resident. The ceiling itself is fixed when the process starts
 * (a `--max-semi-space-size` set later is ignored), but the growth factor is read at each
 * growth, so setting it to 1 holds the size. Not done when the operator sized the young
 * generation with node's flags or NODE_OPTIONS: theirs wins.
 */
export async function withYoungGenerationHeld<T>(work: () => Promise<T>): Promise<T> {
  const release = holdYoungGeneration();
  try {
    return await work();
  } finally {
    release();
  }
}

/**
 * Holds the young generation from now until the returned function is called: `baosong start`
 * holds it while it loads its modules, migrates and applies the campaigns, so an idle process
 * does not keep the ~25 MB that start-up's garbage grew; mail work afterwards grows it as usual.
 * This module imports nothing else, so the hold can begin before the heavy modules load.
 */
export function holdYoungGeneration(): () => void {
  if (youngGenerationSizedByOperator()) return () => undefined;
  setFlagsFromString("--semi-space-growth-factor=1");
  let released = false;
  return () => {
    if (released) return;
    released = true;
    setFlagsFromString(`--semi-space-growth-factor=${V8_SEMI_SPACE_GROWTH_FACTOR}`);
  };
}

function youngGenerationSizedByOperator(): boolean {
  return [...process.execArgv, process.env.NODE_OPTIONS ?? ""].some((a) => a.includes("semi-space"));
}
