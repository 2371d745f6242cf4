// Builds the ember binary from the repository root (the parent of compat/),
// or takes the one named by EMBER_BIN.
import { execFile } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The repository root: compat/.. */
export const repoRoot = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "..",
);

/**
 * Builds ./cmd/ember into a fresh temporary directory and returns the
 * binary's path. The Go build cache makes a second build cheap, but
 * `npm test` (scripts/run-tests.mjs) builds once and hands the binary to every
 * test file through EMBER_BIN.
 */
export async function buildEmber() {
  const dir = await mkdtemp(path.join(tmpdir(), "ember-compat-bin-"));
  const bin = path.join(dir, "ember");
  try {
    await run("go", ["build", "-o", bin, "./cmd/ember"], {
      cwd: repoRoot,
      maxBuffer: 16 << 20,
    });
  } catch (err) {
    throw new Error(
      `go build ./cmd/ember failed in ${repoRoot}:\n${err.stderr || err.message}`,
    );
  }
  return bin;
}

let cached;

/** The ember binary: EMBER_BIN if set, else one built once per process. */
export function emberBinary() {
  if (process.env.EMBER_BIN) return Promise.resolve(process.env.EMBER_BIN);
  cached ??= buildEmber();
  return cached;
}
