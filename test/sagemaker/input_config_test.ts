import assert from "node:assert/strict";
import {
  checkContentType,
  parseChannelList,
  parseContentType,
  parseInputDataConfig,
} from "../../sagemaker/input_config.ts";

Deno.test("parseContentType() splits the media type and parameters", () => {
  assert.deepEqual(parseContentType(' Text/CSV ; Label_Size=1; charset="UTF-8"'), {
    mediaType: "text/csv",
    parameters: { label_size: "1", charset: "UTF-8" },
  });
});

Deno.test("checkContentType() accepts CSV types and reads header=present", () => {
  for (
    const type of [
      "text/csv",
      "text/csv; label_size=1",
      "application/x-csv",
      "text/csv;charset=utf-8",
    ]
  ) {
    assert.deepEqual(checkContentType("training", type), { headerPresent: false }, type);
  }
  assert.deepEqual(checkContentType("training", "text/csv; header=present"), {
    headerPresent: true,
  });
});

Deno.test("checkContentType() rejects other types naming the type and the channel", () => {
  const cases: [string, RegExp][] = [
    [
      "application/x-recordio-protobuf",
      /Unsupported content type "application\/x-recordio-protobuf" for channel training: accepted ones are text\/csv/,
    ],
    ["application/json", /"application\/json"/],
    ["text/csv; label_size=2", /label_size must be 1, found 2/],
    ["text/csv; charset=latin1", /charset must be utf-8, found latin1/],
    ["text/csv; header=maybe", /header must be present or absent/],
  ];
  for (const [type, message] of cases) {
    assert.throws(() => checkContentType("training", type), message, type);
  }
});

Deno.test("parseInputDataConfig() reads channels with defaults for absent fields", () => {
  const channels = parseInputDataConfig({
    training: {
      ContentType: "text/csv",
      TrainingInputMode: "Pipe",
      S3DistributionType: "FullyReplicated",
      RecordWrapperType: "None",
      CompressionType: "Gzip",
    },
    validation: {},
  }, "inputdataconfig.json");
  assert.deepEqual(channels.get("training"), {
    name: "training",
    contentType: "text/csv",
    inputMode: "Pipe",
    compression: "Gzip",
    headerPresent: false,
    distribution: "FullyReplicated",
  });
  assert.equal(channels.get("validation")?.inputMode, "File");
  assert.equal(channels.get("validation")?.contentType, "text/csv");
});

Deno.test("parseInputDataConfig() rejects unusable fields naming the file and channel", () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ training: "File" }, /Config file c\.json: channel training must be a JSON object/],
    [
      { training: { TrainingInputMode: "Stream" } },
      /channel training has TrainingInputMode "Stream": accepted ones are File, FastFile, Pipe/,
    ],
    [
      { training: { CompressionType: "Zip" } },
      /CompressionType "Zip": accepted ones are None, Gzip/,
    ],
    [{ training: { RecordWrapperType: "RecordIO" } }, /RecordWrapperType "RecordIO": only None/],
    [
      { training: { ContentType: "image/png" } },
      /Unsupported content type "image\/png" for channel training/,
    ],
  ];
  for (const [config, message] of cases) {
    assert.throws(() => parseInputDataConfig(config, "c.json"), message);
  }
});

Deno.test("parseChannelList() reads SM_CHANNELS and rejects other shapes", () => {
  assert.equal(parseChannelList(undefined), undefined);
  assert.deepEqual(parseChannelList('["training","validation"]'), ["training", "validation"]);
  assert.throws(() => parseChannelList("training"), /SM_CHANNELS is not valid JSON/);
  assert.throws(() => parseChannelList('{"a":1}'), /SM_CHANNELS must be a JSON list/);
});
