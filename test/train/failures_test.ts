import assert from "node:assert/strict";
import { encodeLatin1, encodeWide } from "../support/text.ts";
import { gzip, type JobSpec, removeJob, runJobs } from "./job.ts";
import { readDatasetCsv } from "../support/datasets.ts";

const IRIS = readDatasetCsv("iris");
const TRAINING = "input/data/training";
const CONFIG = "input/config";

/** Every failure path: the job must exit 1 and say why in `output/failure` (and on stderr). */
const CASES: Record<string, { spec: JobSpec; failure: RegExp }> = {
  "missing training folder": {
    spec: { prepare: (base) => Deno.remove(`${base}/${TRAINING}`, { recursive: true }) },
    failure: /^Missing channel training: no folder at .*\/input\/data\/training \(found: none\)$/,
  },
  "training folder named in another case": {
    spec: {
      files: { "input/data/validation/v.csv": IRIS },
      prepare: (base) => Deno.rename(`${base}/${TRAINING}`, `${base}/input/data/Training`),
    },
    failure:
      /^Missing channel training: no folder at .*\/input\/data\/training \(found: Training, validation\)$/,
  },
  "bad JSON in hyperparameters.json": {
    spec: { files: { [`${CONFIG}/hyperparameters.json`]: '{"max_depth": "3",}' } },
    failure: /^Config file .*hyperparameters\.json is not valid JSON: /,
  },
  "hyperparameters.json holding a list": {
    spec: { files: { [`${CONFIG}/hyperparameters.json`]: "[]" } },
    failure: /^Config file .*hyperparameters\.json must hold a JSON object$/,
  },
  "bad JSON in inputdataconfig.json": {
    spec: {
      files: { [`${CONFIG}/inputdataconfig.json`]: "{training", [`${TRAINING}/a.csv`]: IRIS },
    },
    failure: /^Config file .*inputdataconfig\.json is not valid JSON: /,
  },
  "bad JSON in resourceconfig.json": {
    spec: { files: { [`${CONFIG}/resourceconfig.json`]: "nope", [`${TRAINING}/a.csv`]: IRIS } },
    failure: /^Config file .*resourceconfig\.json is not valid JSON: /,
  },
  "bad JSON in SM_HPS": {
    spec: { files: { [`${TRAINING}/a.csv`]: IRIS }, env: { SM_HPS: "max_depth=3" } },
    failure: /^SM_HPS is not valid JSON: /,
  },
  "unreadable channel file (broken link)": {
    spec: { prepare: (base) => Deno.symlink(`${base}/gone.csv`, `${base}/${TRAINING}/a.csv`) },
    failure: /^Cannot open .*\/training\/a\.csv of channel training: /,
  },
  "damaged gzip file": {
    spec: {
      prepare: async (base) => {
        const packed = await gzip(IRIS);
        await Deno.writeFile(`${base}/${TRAINING}/a.csv.gz`, packed.subarray(0, 100));
      },
    },
    failure: /^Cannot decompress .*\/training\/a\.csv\.gz of channel training: /,
  },
  "empty channel folder": {
    spec: {},
    failure: /^Channel training has no files in .*\/input\/data\/training$/,
  },
  "channel with only blank lines": {
    spec: { files: { [`${TRAINING}/a.csv`]: "\n  \n", [`${TRAINING}/b.csv`]: "" } },
    failure: /^Channel training has no records in .*a\.csv, .*b\.csv$/,
  },
  "channel with only a header": {
    spec: { files: { [`${TRAINING}/a.csv`]: "label,x\n" }, hyperparameters: { header: "true" } },
    failure:
      /^Channel training has no records in .*a\.csv \(the first line of each file is a header\)$/,
  },
  "ragged rows": {
    spec: { files: { [`${TRAINING}/a.csv`]: "a,1,2\nb,3,4\na,5\n" } },
    failure: /^Cannot parse .*a\.csv line 3: expected 2 features, found 1$/,
  },
  "ragged rows across files": {
    spec: {
      files: { [`${TRAINING}/a.csv`]: "a,1,2\nb,3,4\n", [`${TRAINING}/b.csv`]: "a,1,2,3\n" },
    },
    failure: /^Cannot parse .*b\.csv line 1: expected 2 features, found 3$/,
  },
  "non-numeric value": {
    spec: { files: { [`${TRAINING}/a.csv`]: "a,1,2\nb,3,four\n" } },
    failure: /^Cannot parse .*a\.csv line 2, field 3: "four" is not a number$/,
  },
  "a header row while header is false": {
    spec: { files: { [`${TRAINING}/a.csv`]: '\n"species",x,y\nb,3,4\n' } },
    failure:
      /^Cannot parse .*a\.csv line 2, field 2: "x" is not a number \(if line 2 is a header row, set the hyperparameter header=true\)$/,
  },
  "a header row while header is false, in a one-line file": {
    spec: { files: { [`${TRAINING}/a.csv`]: "species,x,y" } },
    failure:
      /^Cannot parse .*a\.csv line 1, field 2: "x" is not a number \(if line 1 is a header row, set the hyperparameter header=true\)$/,
  },
  "a tab-separated file": {
    spec: { files: { [`${TRAINING}/a.csv`]: "a\t1\t2\nb\t3\t4\n" } },
    failure:
      /^Cannot parse .*a\.csv line 1: expected fields separated by commas, found more tabs than commas \(the file is not comma-separated\)$/,
  },
  "a semicolon-separated file with decimal commas": {
    spec: { files: { [`${TRAINING}/a.csv`]: "a;1,5;2\nb;3,5;4\n" } },
    failure:
      /^Cannot parse .*a\.csv line 1: expected fields separated by commas, found more semicolons than commas \(the file is not comma-separated\)$/,
  },
  "a single class": {
    spec: { files: { [`${TRAINING}/a.csv`]: "a,1,2\na,3,4\n" } },
    failure: /^Channel training has only one class \("a"\): a classifier needs at least two$/,
  },
  "too many classes": {
    spec: {
      files: {
        [`${TRAINING}/a.csv`]: Array.from({ length: 1001 }, (_, i) => `${i / 10},${i}\n`).join(""),
      },
    },
    failure:
      /^Channel training has 1001 distinct labels: at most 1000 are supported; is the label in column 0 \(hyperparameter label_column\)\?$/,
  },
  "unsupported content type": {
    spec: {
      files: {
        [`${CONFIG}/inputdataconfig.json`]: JSON.stringify({
          training: { ContentType: "application/x-recordio-protobuf", TrainingInputMode: "File" },
        }),
        [`${TRAINING}/a.csv`]: IRIS,
      },
    },
    failure:
      /^Unsupported content type "application\/x-recordio-protobuf" for channel training: accepted ones are text\/csv, /,
  },
  "unsupported input mode": {
    spec: {
      files: {
        [`${CONFIG}/inputdataconfig.json`]: JSON.stringify({
          training: { TrainingInputMode: "Stream" },
        }),
        [`${TRAINING}/a.csv`]: IRIS,
      },
    },
    failure: /TrainingInputMode "Stream": accepted ones are File, FastFile, Pipe$/,
  },
  "no training channel in inputdataconfig.json": {
    spec: {
      files: {
        [`${CONFIG}/inputdataconfig.json`]: JSON.stringify({ test: { ContentType: "text/csv" } }),
        [`${TRAINING}/a.csv`]: IRIS,
      },
    },
    failure: /^No training channel in .*inputdataconfig\.json: found test$/,
  },
  "Pipe mode without a pipe": {
    spec: {
      files: {
        [`${CONFIG}/inputdataconfig.json`]: JSON.stringify({
          training: { TrainingInputMode: "Pipe" },
        }),
      },
    },
    failure:
      /^Missing pipe for channel training \(Pipe mode\): nothing at .*\/input\/data\/training_0$/,
  },
  "bad hyperparameter value": {
    spec: { files: { [`${TRAINING}/a.csv`]: IRIS }, hyperparameters: { max_leaf_nodes: "lots" } },
    failure:
      /^Invalid hyperparameter max_leaf_nodes: expected an integer >= 2, or none; found "lots"$/,
  },
  "unknown hyperparameter": {
    spec: { files: { [`${TRAINING}/a.csv`]: IRIS }, hyperparameters: { depth: "3" } },
    failure:
      /^Unknown hyperparameter depth for algorithm=cart: accepted ones are algorithm, .*header, label_column, .*max_depth/,
  },
  "a 100,000-character hyperparameter value (cut, so the reason stays in SageMaker's 1,024)": {
    spec: {
      files: { [`${TRAINING}/a.csv`]: IRIS },
      hyperparameters: { max_depth: "7".repeat(100_000) },
    },
    failure: new RegExp(
      `^Invalid hyperparameter max_depth: expected an integer >= 1, or none; found "${
        "7".repeat(99)
      }… \\(100002 characters\\)$`,
    ),
  },
  "a hyperparameter given as a JSON array in SM_HPS": {
    spec: { files: { [`${TRAINING}/a.csv`]: IRIS }, env: { SM_HPS: '{"max_depth": [5]}' } },
    failure:
      /^Invalid hyperparameter max_depth: expected a string, number or boolean; found an array \[5\]$/,
  },
  "a hyperparameter named constructor": {
    spec: { files: { [`${TRAINING}/a.csv`]: IRIS }, hyperparameters: { constructor: "3" } },
    failure: /^Unknown hyperparameter constructor for algorithm=cart: accepted ones are /,
  },
  "bad container hyperparameter": {
    spec: { files: { [`${TRAINING}/a.csv`]: IRIS }, hyperparameters: { header: "sometimes" } },
    failure: /^Invalid hyperparameter header: expected true or false; found "sometimes"$/,
  },
  "label_column past the last column": {
    spec: { files: { [`${TRAINING}/a.csv`]: IRIS }, hyperparameters: { label_column: "5" } },
    failure:
      /^Invalid hyperparameter label_column: .*\/a\.csv line 1 has 5 fields \(columns are counted from 0\); found 5$/,
  },
  "label_column before the first column": {
    spec: { files: { [`${TRAINING}/a.csv`]: IRIS }, hyperparameters: { label_column: "-6" } },
    failure:
      /^Invalid hyperparameter label_column: .*\/a\.csv line 1 has 5 fields \(columns are counted from 0\); found -6$/,
  },
  "label_column naming no header column": {
    spec: {
      files: { [`${TRAINING}/a.csv`]: "x,y,label\n1,2,a\n3,4,b\n" },
      hyperparameters: { header: "true", label_column: "species" },
    },
    failure:
      /^Invalid hyperparameter label_column: no column of .*a\.csv line 1 is named "species"; its columns are x, y, label$/,
  },
  "label_column naming two header columns": {
    spec: {
      files: { [`${TRAINING}/a.csv`]: "x,label,label\n1,2,a\n3,4,b\n" },
      hyperparameters: { header: "true", label_column: "label" },
    },
    failure:
      /^Invalid hyperparameter label_column: columns 1 and 2 of .*a\.csv line 1 are both named "label"; give the column number instead$/,
  },
  "files whose headers name the columns in another order": {
    spec: {
      files: {
        [`${TRAINING}/a.csv`]: "label,x,y\na,1,2\nb,3,4\n",
        [`${TRAINING}/b.csv`]: "\ufefflabel,y,x\r\na,2,1\r\nb,4,3\r\n",
      },
      hyperparameters: { header: "true" },
    },
    failure:
      /^Cannot parse .*\/b\.csv line 1, field 2: the header has "y" where .*\/a\.csv line 1 has "x" \(every file of a channel must have the same columns\)$/,
  },
  "files whose headers have another number of columns": {
    spec: {
      files: {
        [`${TRAINING}/a.csv`]: "label,x,y\na,1,2\nb,3,4\n",
        [`${TRAINING}/b.csv`]: "\n\nlabel,x,y,z\na,1,2\nb,3,4",
      },
      hyperparameters: { header: "true" },
    },
    failure:
      /^Cannot parse .*\/b\.csv line 3: the header has 4 fields where .*\/a\.csv line 1 has 3 \(every file of a channel must have the same columns\)$/,
  },
  "validation with another feature count": {
    spec: {
      files: {
        [`${TRAINING}/a.csv`]: "a,1,2\nb,3,4\n",
        "input/data/validation/v.csv": "a,1,2,3\n",
      },
    },
    failure: /^Cannot parse .*validation\/v\.csv line 1: expected 2 features, found 3$/,
  },
  "validation listed but missing": {
    spec: {
      files: {
        [`${CONFIG}/inputdataconfig.json`]: JSON.stringify({ training: {}, validation: {} }),
        [`${TRAINING}/a.csv`]: IRIS,
      },
    },
    failure:
      /^Missing channel validation: no folder at .*\/input\/data\/validation \(found: training\)$/,
  },
  "a label in Latin-1 (not UTF-8)": {
    spec: { files: { [`${TRAINING}/a.csv`]: encodeLatin1("a,1,2\nb,3,4\ncaf\u00e9,5,6\n") } },
    failure:
      /^Cannot parse .*\/training\/a\.csv line 3, field 1: the label is not UTF-8 text \(a Latin-1 or Windows-1252 file\? save it as UTF-8\)$/,
  },
  "a quoted validation label in Latin-1": {
    spec: {
      files: {
        [`${TRAINING}/a.csv`]: "a,1,2\nb,3,4\n",
        "input/data/validation/v.csv": encodeLatin1('a,1,2\n"\u00e9t\u00e9 ""x""",3,4\n'),
      },
    },
    failure: /^Cannot parse .*\/validation\/v\.csv line 2, field 1: the label is not UTF-8 text/,
  },
  "a UTF-16 file with a byte order mark": {
    spec: { files: { [`${TRAINING}/a.csv`]: encodeWide(IRIS, { bytes: 2, bom: true }) } },
    failure: /^Cannot read .*\/training\/a\.csv: it is UTF-16 text, save it as UTF-8 \(or ASCII\)$/,
  },
  "a gzip'd UTF-16 file without a byte order mark, after a UTF-8 one": {
    spec: {
      files: { [`${TRAINING}/a.csv`]: IRIS },
      prepare: async (base) => {
        const packed = await gzip(encodeWide(IRIS, { bytes: 2, bigEndian: true }));
        await Deno.writeFile(`${base}/${TRAINING}/b.csv.gz`, packed);
      },
    },
    failure: /^Cannot read .*\/training\/b\.csv\.gz: it is UTF-16 text, save it as UTF-8/,
  },
  "a UTF-32 validation file": {
    spec: {
      files: {
        [`${TRAINING}/a.csv`]: IRIS,
        "input/data/validation/v.csv": encodeWide(IRIS, { bytes: 4 }),
      },
    },
    failure: /^Cannot read .*\/validation\/v\.csv: it is UTF-32 text, save it as UTF-8/,
  },
  "a validation header with the feature columns in another order": {
    spec: {
      hyperparameters: { header: "true" },
      files: {
        [`${TRAINING}/a.csv`]: "species,sepal_length,sepal_width,petal_length,petal_width\n" + IRIS,
        "input/data/validation/v.csv":
          "species,sepal_length,petal_length,sepal_width,petal_width\n" +
          IRIS,
      },
    },
    failure:
      /^Cannot parse .*\/validation\/v\.csv line 1, field 3: the header has "petal_length" where the training channel's .*\/training\/a\.csv line 1, field 3, has "sepal_width" \(the validation channel must have the training channel's feature columns, in the same order\)$/,
  },
  "a validation header with the feature columns in another order (ml-cart)": {
    spec: {
      hyperparameters: { header: "true", algorithm: "ml-cart" },
      files: {
        [`${TRAINING}/a.csv`]: "species,a,b,c,d\n" + IRIS,
        "input/data/validation/v.csv": "species,b,a,c,d\n" + IRIS,
      },
    },
    failure:
      /^Cannot parse .*\/validation\/v\.csv line 1, field 2: the header has "b" where the training channel's .*a\.csv line 1, field 2, has "a" \(the validation channel/,
  },
  "a file where the model folder belongs": {
    spec: {
      files: { [`${TRAINING}/a.csv`]: IRIS },
      prepare: async (base) => {
        await Deno.remove(`${base}/model`, { recursive: true }).catch(() => {});
        await Deno.writeTextFile(`${base}/model`, "not a folder");
      },
    },
    failure: /^Cannot write the model to .*\/model: /,
  },
  "a file where the metrics folder belongs": {
    spec: {
      files: { [`${TRAINING}/a.csv`]: IRIS, "output/data": "not a folder" },
    },
    failure: /^Cannot write the metrics to .*\/output\/data\/metrics\.json: /,
  },
  "current host not among the hosts": {
    spec: {
      files: {
        [`${CONFIG}/resourceconfig.json`]: JSON.stringify({
          current_host: "algo-9",
          hosts: ["algo-1"],
        }),
        [`${TRAINING}/a.csv`]: IRIS,
      },
    },
    failure: /^Current host algo-9 is not one of the hosts algo-1 \(from .*resourceconfig\.json\)$/,
  },
};

Deno.test("train fails with exit code 1 and a reason in output/failure for every failure path", async (t) => {
  const names = Object.keys(CASES);
  const outcomes = await runJobs(names.map((name) => CASES[name].spec));
  for (const [i, name] of names.entries()) {
    await t.step(name, () => {
      const outcome = outcomes[i];
      const context = `stdout:\n${outcome.stdout}\nstderr:\n${outcome.stderr}`;
      assert.equal(outcome.code, 1, context);
      assert.ok(outcome.failure !== undefined, `no output/failure\n${context}`);
      const reason = outcome.failure.trimEnd();
      assert.match(reason, CASES[name].failure);
      assert.ok(outcome.stderr.includes(reason), `stderr does not carry the reason\n${context}`);
      assert.equal(outcome.model, undefined, "a failed job wrote a model");
    });
  }
  await Promise.all(outcomes.map(removeJob));
});
