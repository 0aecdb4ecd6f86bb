/**
 * `POST /invocations`: decode the records, predict, encode the answer.
 *
 * @module
 */

import type { Model } from "../algorithm/mod.ts";
import { CsvError, formatCsvLabels, parseCsvTable } from "../codecs/csv.ts";
import { readBody } from "./body.ts";
import { HttpError } from "./errors.ts";

/** The request content types `/invocations` accepts. */
export const SUPPORTED_CONTENT_TYPES: readonly string[] = ["text/csv"];

/** What an invocation needs besides the request. */
export interface InvocationContext {
  /** The model to predict with. */
  readonly model: Model;
  /** Largest accepted body in bytes. */
  readonly bodyLimitBytes: number;
}

/** The media type of a `Content-Type` header, lower-cased, without parameters. */
export function mediaType(header: string | null): string {
  if (header === null) return "";
  const semicolon = header.indexOf(";");
  return (semicolon === -1 ? header : header.slice(0, semicolon)).trim().toLowerCase();
}

/** Answers one `/invocations` request; throws {@linkcode HttpError} for a bad request. */
export async function handleInvocation(
  request: Request,
  context: InvocationContext,
): Promise<Response> {
  const type = mediaType(request.headers.get("content-type"));
  if (!SUPPORTED_CONTENT_TYPES.includes(type)) {
    throw new HttpError(
      415,
      `Unsupported content type ${JSON.stringify(type)}: supported are ${
        SUPPORTED_CONTENT_TYPES.join(", ")
      }`,
    );
  }
  const body = await readBody(request, context.bodyLimitBytes);
  const { model } = context;
  let table;
  try {
    table = parseCsvTable(body, { features: model.featureCount });
  } catch (error) {
    if (error instanceof CsvError) throw new HttpError(400, error.message);
    throw error;
  }
  if (table.features.rows === 0) {
    throw new HttpError(400, "Empty request body: expected CSV records, one a line");
  }
  const predictions = model.predict(table.features);
  return new Response(formatCsvLabels(model.classes, predictions), {
    headers: { "content-type": "text/csv" },
  });
}
