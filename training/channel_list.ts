/**
 * Which channels a training job has: from `inputdataconfig.json`, `SM_CHANNELS` or the channel
 * folders.
 *
 * @module
 */

import { log } from "../log.ts";
import { ChannelError } from "../sagemaker/channels.ts";
import { readJsonFile } from "../sagemaker/hyperparameters.ts";
import {
  type ChannelConfig,
  defaultChannelConfig,
  parseChannelList,
  parseInputDataConfig,
} from "../sagemaker/input_config.ts";
import { channelDir, type SageMakerPaths } from "../sagemaker/paths.ts";
import { TRAINING_CHANNEL, VALIDATION_CHANNEL } from "./channel_data.ts";

/**
 * Decides which channels the job has: `inputdataconfig.json` when present, else `SM_CHANNELS`,
 * else the folders (`training`, and `validation` if it exists). Returns the training channel
 * and the optional validation channel.
 */
export async function resolveChannels(
  paths: SageMakerPaths,
): Promise<{ training: ChannelConfig; validation?: ChannelConfig; source: string }> {
  const file = await readJsonFile(paths.inputDataConfig, { optional: true });
  let configs: Map<string, ChannelConfig>;
  let source: string;
  if (file !== undefined) {
    configs = parseInputDataConfig(file, paths.inputDataConfig);
    source = paths.inputDataConfig;
  } else {
    const listed = parseChannelList(paths.toolkit.channels);
    source = listed === undefined ? "channel folders" : "SM_CHANNELS";
    const trainingName = !exists(channelDir(paths, TRAINING_CHANNEL)) &&
        exists(channelDir(paths, "train"))
      ? "train"
      : TRAINING_CHANNEL;
    const names = listed ?? [trainingName];
    if (listed === undefined && exists(channelDir(paths, VALIDATION_CHANNEL))) {
      names.push(VALIDATION_CHANNEL);
    }
    configs = new Map(names.map((name) => [name, defaultChannelConfig(name)]));
  }
  const training = configs.get(TRAINING_CHANNEL) ?? configs.get("train");
  if (training === undefined) {
    throw new ChannelError(
      `No ${TRAINING_CHANNEL} channel in ${source}: found ${
        [...configs.keys()].join(", ") || "none"
      }`,
    );
  }
  const validation = configs.get(VALIDATION_CHANNEL);
  for (const name of configs.keys()) {
    if (name !== training.name && name !== VALIDATION_CHANNEL) {
      log.warn("ignoring channel", { channel: name, reason: "not training or validation" });
    }
  }
  return { training, validation, source };
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
