import assert from "node:assert/strict";
import { parseCustomAttributes } from "../../serving/custom_attributes.ts";
import { HttpError } from "../../serving/errors.ts";

/** Asserts that parsing `header` is a 400 saying `message`. */
function assertRefused(header: string, message: string): void {
  assert.throws(
    () => parseCustomAttributes(header),
    (error: unknown) =>
      error instanceof HttpError && error.status === 400 && error.message === message,
    header,
  );
}

Deno.test("parseCustomAttributes() reads our keys and skips anyone else's", () => {
  assert.deepEqual(parseCustomAttributes("Probabilities=TRUE; errors=mark, explain=SHAP, x=1"), {
    probabilities: true,
    badRecords: "mark",
    explain: "shap",
  });
  assert.deepEqual(parseCustomAttributes("trace-abc, ;;, =, session=1"), {
    probabilities: undefined,
    badRecords: undefined,
    explain: undefined,
  });
});

Deno.test("parseCustomAttributes() refuses a key of ours without a value, naming it", () => {
  for (
    const [header, message] of [
      [
        "probabilities",
        "Custom attribute probabilities has no value: expected probabilities=true or false",
      ],
      [" trace=1, Errors ", "Custom attribute errors has no value: expected errors=mark or fail"],
      [
        "explain",
        "Custom attribute explain has no value: expected explain=<kind>, such as path or shap",
      ],
    ]
  ) {
    assertRefused(header, message);
  }
});

Deno.test("parseCustomAttributes() refuses a key of ours given twice with different values", () => {
  for (
    const [header, message] of [
      [
        "probabilities=true, probabilities=false",
        'Custom attribute probabilities is given twice with different values: "true" and "false"',
      ],
      [
        "errors=mark; trace=1; Errors=FAIL",
        'Custom attribute errors is given twice with different values: "mark" and "fail"',
      ],
      [
        "explain=path, explain=shap",
        'Custom attribute explain is given twice with different values: "path" and "shap"',
      ],
    ]
  ) {
    assertRefused(header, message);
  }
});

Deno.test("parseCustomAttributes() takes a key of ours given twice with the same value", () => {
  assert.deepEqual(
    parseCustomAttributes("probabilities=true, Probabilities=TRUE; explain=shap, explain=SHAP"),
    { probabilities: true, badRecords: undefined, explain: "shap" },
  );
  // Someone else's keys may repeat as they like.
  assert.deepEqual(parseCustomAttributes("trace=1, trace=2"), {
    probabilities: undefined,
    badRecords: undefined,
    explain: undefined,
  });
});
