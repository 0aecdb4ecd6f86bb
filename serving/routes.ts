/**
 * Routing by a table: each path pattern maps HTTP methods to handlers, so the whole HTTP
 * contract of a worker reads as one literal (see `createHandler` in `worker.ts`).
 *
 * A pattern is an exact path (`/invocations`) or has `{param}` segments (`/models/{name}`).
 * Exact paths are found with one map lookup, the cost `/invocations` pays per request; the
 * patterns with parameters are tried only when no exact path matches.
 *
 * @module
 */

import { HttpError } from "./errors.ts";

/** The values of a matched pattern's `{param}` segments, URL-decoded. */
export type RouteParams = Readonly<Record<string, string>>;

/** Answers one request that matched a route. */
export type RouteHandler = (request: Request, params: RouteParams) => Promise<Response>;

/** The handlers of one path pattern, by HTTP method (`GET`, `POST`, `DELETE`). */
export type RouteMethods = Readonly<Record<string, RouteHandler>>;

/** Path patterns and their handlers. */
export type RouteTable = Readonly<Record<string, RouteMethods>>;

/** A route found for a path. */
export interface RouteMatch {
  /** The pattern that matched, for messages. */
  readonly pattern: string;
  /** Its handlers by method (a map: a method named like an `Object` property finds nothing). */
  readonly methods: ReadonlyMap<string, RouteHandler>;
  /** The values of its parameters. */
  readonly params: RouteParams;
}

interface PatternRoute {
  readonly pattern: string;
  readonly segments: readonly string[];
  readonly methods: ReadonlyMap<string, RouteHandler>;
}

const NO_PARAMS: RouteParams = Object.freeze({});

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Finds the route of a path in a {@linkcode RouteTable}. */
export class Router {
  #exact = new Map<string, RouteMatch>();
  #patterns: PatternRoute[] = [];

  /** Prepares `table` for lookups. */
  constructor(table: RouteTable) {
    for (const [pattern, handlers] of Object.entries(table)) {
      const methods = new Map(Object.entries(handlers));
      if (pattern.includes("{")) {
        this.#patterns.push({ pattern, segments: pattern.split("/"), methods });
      } else {
        this.#exact.set(pattern, { pattern, methods, params: NO_PARAMS });
      }
    }
  }

  /** The route of `path`, or undefined when no pattern matches. */
  match(path: string): RouteMatch | undefined {
    const exact = this.#exact.get(path);
    if (exact !== undefined) return exact;
    const segments = path.split("/");
    for (const route of this.#patterns) {
      if (route.segments.length !== segments.length) continue;
      const params: Record<string, string> = {};
      let matched = true;
      for (let index = 0; index < segments.length && matched; index++) {
        const expected = route.segments[index];
        if (expected.startsWith("{")) {
          params[expected.slice(1, -1)] = decodeSegment(segments[index]);
        } else matched = expected === segments[index];
      }
      if (matched) return { pattern: route.pattern, methods: route.methods, params };
    }
    return undefined;
  }

  /**
   * Answers `request` with the handler its path and method select; throws a 404
   * {@linkcode HttpError} for an unknown path and a 405 (with `Allow`) for a method the path does
   * not take.
   */
  route(request: Request, path: string): Promise<Response> {
    const found = this.match(path);
    if (found === undefined) throw new HttpError(404, `No route for ${request.method} ${path}`);
    const handler = found.methods.get(request.method);
    if (handler === undefined) {
      const methods = [...found.methods.keys()];
      // RFC 9110 15.5.6: a 405 names the methods the resource takes in `Allow`.
      throw new HttpError(
        405,
        `Use ${methods.join(" or ")} for ${found.pattern}, not ${request.method}`,
        { headers: { allow: methods.join(", ") } },
      );
    }
    return handler(request, found.params);
  }
}
