// npm test: builds ember once, then runs every test file with Node's test
// runner, each file against its own `ember serve`.
import { spawn } from "node:child_process";
import { readdir, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildEmber } from "../test/helpers/build.mjs";

const compatDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

let bin = process.env.EMBER_BIN;
let builtDir;
if (!bin) {
  const started = Date.now();
  bin = await buildEmber();
  builtDir = path.dirname(bin);
  console.log(`# built ${bin} in ${Date.now() - started} ms`);
}

// The test files are named explicitly (Node's own discovery would also run
// helpers and this script); two files at a time suits a 2-core machine.
let files = process.argv.slice(2);
if (files.length === 0) {
  files = (await readdir(path.join(compatDir, "test")))
    .filter((f) => f.endsWith(".test.mjs"))
    .sort()
    .map((f) => path.join("test", f));
}
const args = ["--test", "--test-concurrency=2", "--test-timeout=60000", ...files];

// The suite runs twice: with authentication off (Ember's default), then on,
// every client using an API key. EMBER_COMPAT_AUTH=0 or 1 runs one pass.
const modes = process.env.EMBER_COMPAT_AUTH ? [process.env.EMBER_COMPAT_AUTH] : ["0", "1"];
let child;
const forward = (sig) => child?.kill(sig);
process.on("SIGINT", forward);
process.on("SIGTERM", forward);
let code = 0;
for (const mode of modes) {
  console.log(`# compatibility suite, authentication ${mode === "1" ? "on (API key)" : "off"}`);
  child = spawn(process.execPath, args, {
    cwd: compatDir,
    stdio: "inherit",
    env: { ...process.env, EMBER_BIN: bin, EMBER_COMPAT_AUTH: mode },
  });
  const c = await new Promise((resolve) =>
    child.on("exit", (c, sig) => resolve(c ?? (sig ? 1 : 0))),
  );
  if (c !== 0) code = c;
}
if (builtDir) await rm(builtDir, { recursive: true, force: true });
process.exit(code);
