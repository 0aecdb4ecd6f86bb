import assert from "node:assert/strict";
import { parseCustomAttributes } from "../../serving/custom_attributes.ts";
import { HttpError } from "../../serving/errors.ts";

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
    assert.throws(
      () => parseCustomAttributes(header),
      (error: unknown) =>
        error instanceof HttpError && error.status === 400 && error.message === message,
      header,
    );
  }
});
