import assert from "node:assert/strict";
import { channelDir, channelPipe, sageMakerPaths } from "../../sagemaker/paths.ts";

Deno.test("sageMakerPaths() defaults to /opt/ml", () => {
  const paths = sageMakerPaths({});
  assert.equal(paths.base, "/opt/ml");
  assert.equal(paths.hyperparameters, "/opt/ml/input/config/hyperparameters.json");
  assert.equal(paths.inputDataConfig, "/opt/ml/input/config/inputdataconfig.json");
  assert.equal(paths.resourceConfig, "/opt/ml/input/config/resourceconfig.json");
  assert.equal(paths.modelDir, "/opt/ml/model");
  assert.equal(paths.failureFile, "/opt/ml/output/failure");
  assert.equal(paths.outputDataDir, "/opt/ml/output/data");
  assert.equal(channelDir(paths, "training"), "/opt/ml/input/data/training");
  assert.equal(channelPipe(paths, "training"), "/opt/ml/input/data/training_0");
  assert.deepEqual(paths.toolkit, {
    hps: undefined,
    channels: undefined,
    currentHost: undefined,
    hosts: undefined,
  });
});

Deno.test("sageMakerPaths() moves every path with SAGEMAKER_BASE_DIR", () => {
  const paths = sageMakerPaths({ SAGEMAKER_BASE_DIR: "/tmp/ml/" });
  assert.equal(paths.base, "/tmp/ml");
  assert.equal(paths.modelDir, "/tmp/ml/model");
  assert.equal(paths.failureFile, "/tmp/ml/output/failure");
  assert.equal(channelDir(paths, "validation"), "/tmp/ml/input/data/validation");
  assert.equal(paths.sources.modelDir, "SAGEMAKER_BASE_DIR");
});

Deno.test("sageMakerPaths() lets SM_* variables win over SAGEMAKER_BASE_DIR", () => {
  const paths = sageMakerPaths({
    SAGEMAKER_BASE_DIR: "/tmp/ml",
    SM_MODEL_DIR: "/m/",
    SM_OUTPUT_DIR: "/o",
    SM_INPUT_DIR: "/i",
    SM_CHANNEL_TRAINING: "/c/train",
    SM_HPS: '{"max_depth": 3}',
    SM_CHANNELS: '["training"]',
    SM_CURRENT_HOST: "algo-2",
    SM_HOSTS: '["algo-1","algo-2"]',
  });
  assert.equal(paths.modelDir, "/m");
  assert.equal(paths.failureFile, "/o/failure");
  assert.equal(paths.outputDataDir, "/o/data");
  assert.equal(paths.hyperparameters, "/i/config/hyperparameters.json");
  assert.equal(paths.dataDir, "/i/data");
  assert.equal(channelDir(paths, "training"), "/c/train");
  assert.equal(channelDir(paths, "validation"), "/i/data/validation");
  assert.equal(channelPipe(paths, "training", 2), "/i/data/training_2");
  assert.equal(paths.toolkit.hps, '{"max_depth": 3}');
  assert.equal(paths.toolkit.currentHost, "algo-2");
  assert.equal(paths.sources.modelDir, "SM_MODEL_DIR");
  assert.equal(paths.sources.configDir, "SM_INPUT_DIR");
});

Deno.test("sageMakerPaths() prefers the specific SM_* variable over its parent", () => {
  const paths = sageMakerPaths({
    SM_INPUT_DIR: "/i",
    SM_INPUT_CONFIG_DIR: "/cfg",
    SM_OUTPUT_DIR: "/o",
    SM_OUTPUT_DATA_DIR: "/od",
    SM_MODEL_DIR: "  ",
  });
  assert.equal(paths.resourceConfig, "/cfg/resourceconfig.json");
  assert.equal(paths.outputDataDir, "/od");
  assert.equal(paths.failureFile, "/o/failure");
  assert.equal(paths.modelDir, "/opt/ml/model", "a blank variable is ignored");
});
