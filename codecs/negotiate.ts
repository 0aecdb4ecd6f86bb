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
 *   the configured default, then the request's own type, then CSV, JSON, JSON Lines; no
 *   `Accept` gives the first of these the answer may take;
 * - an answer limited to some types (explanations need JSON or JSON Lines) is negotiated by the
 *   same rules among those types only, so `*` / `*` or no `Accept` picks one that can carry it;
 * - a `q` outside RFC 9110's grammar (0 to 1, at most 3 decimals: `q=2`, `q=abc`) makes the
 *   whole `Accept` unusable rather than quietly moving the answer to another entry;
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
  /**
   * The types the answer can take, when not all of {@linkcode MEDIA_TYPES}: an explained answer
   * has no CSV form. A type outside them is never chosen, even when `Accept` names it.
   */
  readonly types?: readonly MediaType[];
}

function isTrue(value: string | undefined): boolean {
  return value !== undefined && value.toLowerCase() === "true";
}

/** RFC 9110 12.4.2 `qvalue`: 0 to 1 with at most three decimals. */
const Q_VALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

/**
 * Picks the response type for an `Accept` header; `undefined` means none can be produced (406),
 * or that an entry has an invalid `q` ({@linkcode invalidQValueMessage} tells which).
 *
 * @example
 * ```ts
 * chooseResponseType("application/json; verbose=true", { requestType: "text/csv" });
 * // { type: "application/json", verbose: true }
 * chooseResponseType("*\/*", { requestType: "text/csv" }); // { type: "text/csv", verbose: false }
 * const types = ["application/json", "application/jsonlines"] as const;
 * chooseResponseType("*\/*", { requestType: "text/csv", types })?.type; // "application/json"
 * chooseResponseType("text/csv", { requestType: "text/csv", types }); // undefined
 * ```
 */
export function chooseResponseType(
  accept: string | null,
  options: ChooseOptions,
): ResponseChoice | undefined {
  const types = options.types;
  const fallback = types === undefined
    ? options.defaultAccept ?? options.requestType
    : fallbackAmong(types, options);
  if (accept === null || accept.trim() === "" || accept === "*/*") {
    return { type: fallback, verbose: false };
  }
  const exact = ALIASES[accept];
  if (exact !== undefined) {
    return types === undefined || types.includes(exact)
      ? { type: exact, verbose: false }
      : undefined;
  }

  let invalid = false;
  const entries = accept.split(",").map((text, order) => {
    const range = parseMediaRange(text);
    const param = range.params.q;
    if (param !== undefined && !Q_VALUE.test(param)) invalid = true;
    return { range, q: param === undefined ? 1 : Number(param), order };
  }).filter((entry) => entry.range.type !== "");
  if (invalid) return undefined;
  // Each type takes the q of the most specific entry that matches it (RFC 9110 12.5.1), so
  // `text/csv;q=0, *\/*` excludes CSV. Ties go to the entry listed first, then to the default,
  // then to the request's own type, then to the order of MEDIA_TYPES.
  let best: { type: MediaType; q: number; order: number; verbose: boolean } | undefined;
  const candidates = [fallback, options.requestType, ...MEDIA_TYPES];
  for (const type of candidates) {
    if (types !== undefined && !types.includes(type)) continue;
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

/** The type among `types` for no `Accept`: the default, else the request's type, else the first. */
function fallbackAmong(types: readonly MediaType[], options: ChooseOptions): MediaType {
  const { defaultAccept, requestType } = options;
  if (defaultAccept !== undefined && types.includes(defaultAccept)) return defaultAccept;
  return types.includes(requestType) ? requestType : types[0];
}

/**
 * The message for the first `q` in `accept` outside RFC 9110's grammar, or `undefined` when all
 * are valid: the reason behind an `undefined` from {@linkcode chooseResponseType}, worked out
 * only then.
 *
 * @example
 * ```ts
 * invalidQValueMessage("application/json;q=2");
 * // 'Invalid q-value "2" in Accept entry "application/json;q=2": expected a number from 0 to 1 ...'
 * ```
 */
export function invalidQValueMessage(accept: string | null): string | undefined {
  if (accept === null) return undefined;
  for (const text of accept.split(",")) {
    const q = parseMediaRange(text).params.q;
    if (q !== undefined && !Q_VALUE.test(q)) {
      return `Invalid q-value ${JSON.stringify(q)} in Accept entry ${
        JSON.stringify(text.trim())
      }: expected a number from 0 to 1 with at most 3 decimals`;
    }
  }
  return undefined;
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
