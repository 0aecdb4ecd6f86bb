/**
 * Content negotiation for `/invocations`: which request types we read, which response type an
 * `Accept` header asks for, and whether it asks for class probabilities.
 *
 * Rules:
 * - request types: `text/csv`, `application/json`, `application/jsonlines` (also spelled
 *   `application/jsonl`, `application/x-jsonlines`); parameters such as `; charset=utf-8` are
 *   accepted and ignored;
 * - the response type is the type we can produce with the highest `q` in `Accept` (RFC 9110):
 *   each type takes the `q` of the most specific entry naming it (`text/csv`, then `text/*`,
 *   then `*` / `*`), and `q=0` means "not acceptable"; ties go to the entry listed first, then to
 *   the configured default, else the request's own type, then CSV, JSON, JSON Lines; no
 *   `Accept` gives the configured default, else the request's own type;
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
  }).filter((entry) => entry.range.type !== "");
  // Each type takes the q of the most specific entry that matches it (RFC 9110 12.5.1), so
  // `text/csv;q=0, *\/*` excludes CSV. Ties go to the entry listed first, then to the fallback,
  // then to the order of MEDIA_TYPES.
  let best: { type: MediaType; q: number; order: number; verbose: boolean } | undefined;
  for (const type of [fallback, ...MEDIA_TYPES]) {
    let match: (typeof entries)[number] | undefined;
    let specificity = 0;
    for (const entry of entries) {
      const found = matchSpecificity(entry.range.type, type);
      if (found > specificity) {
        match = entry;
        specificity = found;
      }
    }
    if (match === undefined || match.q <= 0) continue;
    if (
      best === undefined || match.q > best.q || (match.q === best.q && match.order < best.order)
    ) {
      best = { type, q: match.q, order: match.order, verbose: isTrue(match.range.params.verbose) };
    }
  }
  return best === undefined ? undefined : { type: best.type, verbose: best.verbose };
}

/** How specifically media range `range` names `type`: 3 exactly, 2 by `major/*`, 1 by `*\/*`. */
function matchSpecificity(range: string, type: MediaType): number {
  if (ALIASES[range] === type) return 3;
  if (range === "*/*") return 1;
  return range.endsWith("/*") && type.startsWith(range.slice(0, -1)) ? 2 : 0;
}

/** The canonical type for a configured default such as `application/json`; undefined if unknown. */
export function knownMediaType(text: string): MediaType | undefined {
  return ALIASES[parseMediaRange(text).type];
}
