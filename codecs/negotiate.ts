/**
 * Content negotiation for `/invocations`: which request types we read, which response type an
 * `Accept` header asks for, and whether it asks for class probabilities.
 *
 * Rules:
 * - request types: `text/csv`, `application/json`, `application/jsonlines` (also spelled
 *   `application/jsonl`, `application/x-jsonlines`); parameters such as `; charset=utf-8` are
 *   accepted and ignored;
 * - the response type is the first type of `Accept` (highest `q` first, then the order given)
 *   that we can produce; `*` wildcards (`*` / `*`, `text/*`, `application/*`) or no `Accept` give
 *   the configured default, else the request's own type;
 * - `verbose=true` on the chosen `Accept` entry asks for class probabilities.
 *
 * @module
 */

/** The media types `/invocations` reads and writes. */
export type MediaType = "text/csv" | "application/json" | "application/jsonlines";

/** Every type we can read and produce, in the order error messages list them. */
export const MEDIA_TYPES: readonly MediaType[] = [
  "text/csv",
  "application/json",
  "application/jsonlines",
];

const ALIASES: Readonly<Record<string, MediaType>> = {
  "text/csv": "text/csv",
  "application/json": "application/json",
  "application/jsonlines": "application/jsonlines",
  "application/jsonl": "application/jsonlines",
  "application/x-jsonlines": "application/jsonlines",
};

/** A parsed media range: type lower-cased, parameters by lower-cased name. */
export interface MediaRange {
  /** `type/subtype`, lower-cased, without parameters. */
  readonly type: string;
  /** Parameters such as `charset` or `verbose`, names lower-cased, quotes removed. */
  readonly params: Readonly<Record<string, string>>;
}

/** Parses one media type with parameters, for example `text/csv; charset=utf-8`. */
export function parseMediaRange(text: string): MediaRange {
  const parts = text.split(";");
  const type = parts[0].trim().toLowerCase();
  const params: Record<string, string> = {};
  for (let i = 1; i < parts.length; i++) {
    const equals = parts[i].indexOf("=");
    if (equals === -1) continue;
    const name = parts[i].slice(0, equals).trim().toLowerCase();
    let value = parts[i].slice(equals + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
      value = value.slice(1, -1);
    }
    params[name] = value;
  }
  return { type, params };
}

/**
 * The request type of a `Content-Type` header, or `undefined` when we cannot read it.
 *
 * @example
 * ```ts
 * requestMediaType("application/json; charset=utf-8"); // "application/json"
 * requestMediaType("image/png"); // undefined
 * ```
 */
export function requestMediaType(header: string | null): MediaType | undefined {
  if (header === null) return undefined;
  // Fast path: the header is exactly one of the canonical names.
  const exact = ALIASES[header];
  if (exact !== undefined) return exact;
  return ALIASES[parseMediaRange(header).type];
}

/** The response type chosen for a request. */
export interface ResponseChoice {
  /** The type to answer with. */
  readonly type: MediaType;
  /** True when the chosen `Accept` entry carries `verbose=true` (class probabilities). */
  readonly verbose: boolean;
}

/** Options of {@linkcode chooseResponseType}. */
export interface ChooseOptions {
  /** The request's own type, used when `Accept` is absent or a wildcard and there is no default. */
  readonly requestType: MediaType;
  /** `SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT`, when set. */
  readonly defaultAccept?: MediaType;
}

function isTrue(value: string | undefined): boolean {
  return value !== undefined && value.toLowerCase() === "true";
}

/**
 * Picks the response type for an `Accept` header; `undefined` means none can be produced (406).
 *
 * @example
 * ```ts
 * chooseResponseType("application/json; verbose=true", { requestType: "text/csv" });
 * // { type: "application/json", verbose: true }
 * chooseResponseType("*\/*", { requestType: "text/csv" }); // { type: "text/csv", verbose: false }
 * ```
 */
export function chooseResponseType(
  accept: string | null,
  options: ChooseOptions,
): ResponseChoice | undefined {
  const fallback = options.defaultAccept ?? options.requestType;
  if (accept === null || accept.trim() === "" || accept === "*/*") {
    return { type: fallback, verbose: false };
  }
  const exact = ALIASES[accept];
  if (exact !== undefined) return { type: exact, verbose: false };

  const entries = accept.split(",").map((text, order) => {
    const range = parseMediaRange(text);
    const q = range.params.q === undefined ? 1 : Number(range.params.q);
    return { range, q: Number.isFinite(q) ? q : 0, order };
  }).filter((entry) => entry.q > 0 && entry.range.type !== "");
  entries.sort((a, b) => b.q - a.q || a.order - b.order);
  for (const { range } of entries) {
    const verbose = isTrue(range.params.verbose);
    const known = ALIASES[range.type];
    if (known !== undefined) return { type: known, verbose };
    if (range.type === "*/*") return { type: fallback, verbose };
    if (range.type === "text/*") return { type: "text/csv", verbose };
    if (range.type === "application/*") {
      return { type: fallback === "text/csv" ? "application/json" : fallback, verbose };
    }
  }
  return undefined;
}

/** The canonical type for a configured default such as `application/json`; undefined if unknown. */
export function knownMediaType(text: string): MediaType | undefined {
  return ALIASES[parseMediaRange(text).type];
}
