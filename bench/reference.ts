/**
 * The Python reference stack, the classic SageMaker sample (`bench/reference/`): nginx, gunicorn
 * sync workers, flask, pandas and scikit-learn, all from Debian packages (pip needs no network
 * then). Says which packages are missing, installs them with apt-get when allowed, and describes
 * how to start the stack.
 *
 * @module
 */

import { CURL, NGINX, ROOT, runCommand, say, WRK } from "./command.ts";
import type { StackSpec } from "./stack.ts";

/** The Python with the reference's modules: Debian's. */
export const PYTHON = "/usr/bin/python3";

/** The Python modules the reference needs, with the Debian package of each. */
const MODULES: readonly (readonly [string, string])[] = [
  ["flask", "python3-flask"],
  ["sklearn", "python3-sklearn"],
  ["pandas", "python3-pandas"],
  ["gunicorn", "gunicorn"],
];

async function fileExists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Lists the Debian packages the benchmark needs and does not find. */
async function missingPackages(training: boolean): Promise<string[]> {
  const missing: string[] = [];
  if (!(await fileExists(WRK))) missing.push("wrk");
  if (!(await fileExists(CURL))) missing.push("curl");
  if (!(await fileExists(NGINX))) missing.push("nginx");
  const modules = training ? [...MODULES, ["xgboost", "python3-xgboost"] as const] : MODULES;
  for (const [module, pkg] of modules) {
    const probe = await runCommand(PYTHON, ["-c", `import ${module}`]);
    if (!probe.success) missing.push(pkg);
  }
  return missing;
}

/**
 * Makes sure the load tools and the reference's Python modules are installed (xgboost too when
 * `training`): installs what is missing with apt-get when `install` and running as root, and
 * otherwise throws with the command to run.
 */
export async function ensurePackages(install: boolean, training: boolean): Promise<void> {
  const missing = await missingPackages(training);
  if (missing.length === 0) return;
  const command = `apt-get install -y ${missing.join(" ")}`;
  if (!install || Deno.uid() !== 0) {
    throw new Error(
      `Missing Debian packages: ${missing.join(", ")}; install them with: ${command}`,
    );
  }
  say(`installing ${missing.join(" ")} with apt-get`);
  let result = await runCommand("apt-get", ["install", "-y", ...missing]);
  if (!result.success) {
    await runCommand("apt-get", ["update"]);
    result = await runCommand("apt-get", ["install", "-y", ...missing]);
  }
  if (!result.success) {
    throw new Error(`Cannot install ${missing.join(" ")}: ${result.stderr.trim().slice(-400)}`);
  }
}

/** The versions of Python and the reference's modules, as one line for the report. */
export async function describeReference(): Promise<string> {
  const python = await runCommand(PYTHON, [
    "-c",
    "import sys, sklearn, pandas, flask, gunicorn; print(sys.version.split()[0], " +
    "sklearn.__version__, pandas.__version__, flask.__version__, gunicorn.__version__)",
  ]);
  const [py, sklearn, pandas, flask, gunicorn] = python.stdout.trim().split(" ");
  return `reference: Python ${py}, scikit-learn ${sklearn}, pandas ${pandas}, flask ${flask}, ` +
    `gunicorn ${gunicorn} (sync workers)`;
}

/** The reference's train job (run in {@linkcode ROOT}), as the sample's `train` script. */
export const REFERENCE_TRAIN_SCRIPT = "bench/reference/train.py";

/** How to start the reference stack on the model trained under `baseDir`. */
export function referenceStack(baseDir: string, runDir: string, workers: number): StackSpec {
  return {
    name: "reference",
    command: PYTHON,
    args: ["bench/reference/serve.py"],
    env: {
      SAGEMAKER_BASE_DIR: baseDir,
      MODEL_SERVER_WORKERS: String(workers),
      REFERENCE_RUN_DIR: runDir,
    },
    cwd: ROOT,
  };
}
