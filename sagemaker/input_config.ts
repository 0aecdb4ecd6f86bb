/**
 * `input/config/inputdataconfig.json`: which channels a training job has, their content type,
 * input mode and compression.
 *
 * ```json
 * { "training": { "ContentType": "text/csv", "TrainingInputMode": "File",
 *                 "S3DistributionType": "FullyReplicated", "RecordWrapperType": "None",
 *                 "CompressionType": "None" } }
 * ```
 *
 * @module
 */

/** How SageMaker hands a channel over: files (`File`, `FastFile`) or a named pipe (`Pipe`). */
export type InputMode = "File" | "FastFile" | "Pipe";

/** The input modes this container reads. */
export const INPUT_MODES: readonly InputMode[] = ["File", "FastFile", "Pipe"];

/** The content types this container reads (parameters such as `; charset=utf-8` allowed). */
export const CSV_CONTENT_TYPES: readonly string[] = [
  "text/csv",
  "text/x-csv",
  "application/csv",
  "application/x-csv",
];

/** One channel of the training job. */
export interface ChannelConfig {
  /** The channel name, for example `training`. */
  readonly name: string;
  /** The content type as given (or `text/csv` when none was given). */
  readonly contentType: string;
  /** `File`, `FastFile` or `Pipe`. */
  readonly inputMode: InputMode;
  /** `Gzip` when SageMaker says the objects are gzip-compressed. */
  readonly compression: "None" | "Gzip";
  /** True when the content type says `header=present` (RFC 4180). */
  readonly headerPresent: boolean;
  /** `S3DistributionType`: `FullyReplicated` (default) or `ShardedByS3Key`. */
  readonly distribution: string;
}

/** A content type parsed into its media type and lower-cased parameters. */
export interface ContentType {
  /** The lower-cased media type, for example `text/csv`. */
  readonly mediaType: string;
  /** Its parameters, names lower-cased, values unquoted. */
  readonly parameters: Readonly<Record<string, string>>;
}

/** Splits `text/csv; label_size=1` into its media type and parameters. */
export function parseContentType(text: string): ContentType {
  const [type, ...rest] = text.split(";");
  const parameters: Record<string, string> = {};
  for (const part of rest) {
    const equals = part.indexOf("=");
    if (equals === -1) continue;
    const name = part.slice(0, equals).trim().toLowerCase();
    const value = part.slice(equals + 1).trim().replace(/^"(.*)"$/, "$1");
    if (name !== "") parameters[name] = value;
  }
  return { mediaType: type.trim().toLowerCase(), parameters };
}

/**
 * Checks a channel's content type: one of {@linkcode CSV_CONTENT_TYPES}, with `label_size`
 * (if given) 1, `charset` (if given) UTF-8 or ASCII and `header` (if given) `present` or
 * `absent`. Returns whether a header row is present; throws naming the channel otherwise.
 */
export function checkContentType(channel: string, text: string): { headerPresent: boolean } {
  const { mediaType, parameters } = parseContentType(text);
  if (!CSV_CONTENT_TYPES.includes(mediaType)) {
    throw new Error(
      `Unsupported content type ${JSON.stringify(text)} for channel ${channel}: ` +
        `accepted ones are ${CSV_CONTENT_TYPES.join(", ")} (label in one column, no RecordIO)`,
    );
  }
  const labelSize = parameters.label_size;
  if (labelSize !== undefined && labelSize !== "1") {
    throw new Error(
      `Unsupported content type ${JSON.stringify(text)} for channel ${channel}: ` +
        `label_size must be 1, found ${labelSize}`,
    );
  }
  const charset = parameters.charset?.toLowerCase();
  if (charset !== undefined && !["utf-8", "utf8", "us-ascii", "ascii"].includes(charset)) {
    throw new Error(
      `Unsupported content type ${JSON.stringify(text)} for channel ${channel}: ` +
        `charset must be utf-8, found ${parameters.charset}`,
    );
  }
  const header = parameters.header?.toLowerCase();
  if (header !== undefined && header !== "present" && header !== "absent") {
    throw new Error(
      `Unsupported content type ${JSON.stringify(text)} for channel ${channel}: ` +
        `header must be present or absent, found ${parameters.header}`,
    );
  }
  return { headerPresent: header === "present" };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Validates the parsed `inputdataconfig.json` (`source` names the file in errors) and returns
 * its channels by name. Fields SageMaker may add and we do not need are ignored.
 */
export function parseInputDataConfig(
  parsed: Record<string, unknown>,
  source: string,
): Map<string, ChannelConfig> {
  const channels = new Map<string, ChannelConfig>();
  for (const [name, value] of Object.entries(parsed)) {
    if (!isRecord(value)) {
      throw new Error(`Config file ${source}: channel ${name} must be a JSON object`);
    }
    const contentType = value.ContentType === undefined || value.ContentType === null
      ? "text/csv"
      : String(value.ContentType);
    const { headerPresent } = checkContentType(name, contentType);
    const mode = value.TrainingInputMode ?? "File";
    if (!INPUT_MODES.includes(mode as InputMode)) {
      throw new Error(
        `Config file ${source}: channel ${name} has TrainingInputMode ${JSON.stringify(mode)}: ` +
          `accepted ones are ${INPUT_MODES.join(", ")}`,
      );
    }
    const compression = value.CompressionType ?? "None";
    if (compression !== "None" && compression !== "Gzip") {
      throw new Error(
        `Config file ${source}: channel ${name} has CompressionType ` +
          `${JSON.stringify(compression)}: accepted ones are None, Gzip`,
      );
    }
    const wrapper = value.RecordWrapperType ?? "None";
    if (wrapper !== "None") {
      throw new Error(
        `Config file ${source}: channel ${name} has RecordWrapperType ${
          JSON.stringify(wrapper)
        }: ` +
          `only None is supported (plain CSV, not RecordIO)`,
      );
    }
    const distribution = String(value.S3DistributionType ?? "FullyReplicated");
    channels.set(name, {
      name,
      contentType,
      inputMode: mode as InputMode,
      compression,
      headerPresent,
      distribution,
    });
  }
  return channels;
}

/** The channel settings used when `inputdataconfig.json` does not exist: CSV files. */
export function defaultChannelConfig(name: string): ChannelConfig {
  return {
    name,
    contentType: "text/csv",
    inputMode: "File",
    compression: "None",
    headerPresent: false,
    distribution: "FullyReplicated",
  };
}

/**
 * Parses `SM_CHANNELS` (a JSON list of names, as AWS's toolkit sets it); `undefined` stays
 * `undefined`. Throws naming the variable when it is not a list of strings.
 */
export function parseChannelList(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`SM_CHANNELS is not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(parsed) || !parsed.every((name) => typeof name === "string")) {
    throw new Error(`SM_CHANNELS must be a JSON list of channel names, found ${text}`);
  }
  return parsed;
}
