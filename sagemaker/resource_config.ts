/**
 * `input/config/resourceconfig.json`: the hosts of a training job and which one this is.
 *
 * ```json
 * { "current_host": "algo-1", "hosts": ["algo-1", "algo-2"], "network_interface_name": "eth0" }
 * ```
 *
 * A single decision tree trains on one host: the first of the sorted host names (as AWS's
 * toolkit picks its master). The others have nothing to do and finish successfully.
 *
 * @module
 */

import type { ToolkitVariables } from "./paths.ts";

/** The cluster as this host sees it. */
export interface ResourceConfig {
  /** This host, for example `algo-1`. */
  readonly currentHost: string;
  /** Every host of the job. */
  readonly hosts: readonly string[];
  /** The host that trains: the first host name in sorted order. */
  readonly leader: string;
  /** True when this host trains. */
  readonly isLeader: boolean;
  /** Where the values came from: the file, `SM_*` variables, or defaults (no file). */
  readonly source: string;
}

/** The host name used when there is no resource config (a local run). */
export const DEFAULT_HOST = "algo-1";

function parseHostList(value: unknown, where: string): string[] {
  if (
    !Array.isArray(value) || value.length === 0 ||
    !value.every((host) => typeof host === "string" && host !== "")
  ) {
    throw new Error(
      `${where} must be a non-empty list of host names, found ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/**
 * Builds the resource config from the parsed file (`undefined` when there is none) and the
 * `SM_CURRENT_HOST`/`SM_HOSTS` variables, which win. Throws naming the file or variable when a
 * value is unusable or the current host is not one of the hosts.
 */
export function resolveResourceConfig(
  file: Record<string, unknown> | undefined,
  options: { source: string; toolkit?: ToolkitVariables },
): ResourceConfig {
  const toolkit = options.toolkit ?? {};
  const sources: string[] = [];
  let currentHost = DEFAULT_HOST;
  let hosts = [DEFAULT_HOST];
  if (file !== undefined) {
    if (typeof file.current_host !== "string" || file.current_host === "") {
      throw new Error(`Config file ${options.source}: current_host must be a host name`);
    }
    currentHost = file.current_host;
    hosts = parseHostList(file.hosts, `Config file ${options.source}: hosts`);
    sources.push(options.source);
  }
  if (toolkit.hosts !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(toolkit.hosts);
    } catch (error) {
      throw new Error(`SM_HOSTS is not valid JSON: ${(error as Error).message}`);
    }
    hosts = parseHostList(parsed, "SM_HOSTS");
    sources.push("SM_HOSTS");
  }
  if (toolkit.currentHost !== undefined) {
    currentHost = toolkit.currentHost;
    sources.push("SM_CURRENT_HOST");
  }
  if (file === undefined && toolkit.hosts === undefined && toolkit.currentHost !== undefined) {
    hosts = [currentHost];
  }
  if (!hosts.includes(currentHost)) {
    throw new Error(
      `Current host ${currentHost} is not one of the hosts ${hosts.join(", ")} ` +
        `(from ${sources.join(" and ")})`,
    );
  }
  const leader = [...hosts].sort()[0];
  return {
    currentHost,
    hosts,
    leader,
    isLeader: currentHost === leader,
    source: sources.length === 0 ? "default (no resource config)" : sources.join(" and "),
  };
}
