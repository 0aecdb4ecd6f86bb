/**
 * Reading `input/config/hyperparameters.json`, where every value is a string.
 *
 * @module
 */

/** Names SageMaker itself adds (tuning jobs, SDK estimators); they are logged and ignored. */
export function isPlatformHyperparameter(name: string): boolean {
  return name.startsWith("_") || name.startsWith("sagemaker_");
}

/**
 * Reads a JSON config file holding one object. A missing file gives `{}` when `optional`;
 * bad JSON or another shape throws an error naming the file.
 */
export async function readJsonObject(
  path: string,
  options: { optional?: boolean } = {},
): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound && options.optional) return {};
    if (error instanceof Deno.errors.NotFound) throw new Error(`Missing config file ${path}`);
    throw new Error(`Cannot read config file ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`Config file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new Error(`Config file ${path} must hold a JSON object`);
  }
  return parsed as Record<string, unknown>;
}
