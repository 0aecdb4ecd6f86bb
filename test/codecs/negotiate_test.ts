import assert from "node:assert/strict";
import {
  chooseResponseType,
  invalidQValueMessage,
  knownMediaType,
  parseMediaRange,
  requestMediaType,
} from "../../codecs/negotiate.ts";

Deno.test("requestMediaType() accepts content-type parameters and the JSON Lines spellings", () => {
  assert.equal(requestMediaType("text/csv"), "text/csv");
  assert.equal(requestMediaType("Text/CSV; charset=utf-8"), "text/csv");
  assert.equal(requestMediaType("application/json;charset=UTF-8"), "application/json");
  assert.equal(requestMediaType("application/jsonlines"), "application/jsonlines");
  assert.equal(requestMediaType("application/x-jsonlines"), "application/jsonlines");
  assert.equal(requestMediaType("application/jsonl"), "application/jsonlines");
});

Deno.test("requestMediaType() refuses types we cannot read", () => {
  assert.equal(requestMediaType("image/png"), undefined);
  assert.equal(requestMediaType(null), undefined);
  assert.equal(requestMediaType(""), undefined);
});

Deno.test("parseMediaRange() lower-cases names and unquotes values", () => {
  assert.deepEqual(parseMediaRange('Application/JSON; Verbose="true"; q=0.5'), {
    type: "application/json",
    params: { verbose: "true", q: "0.5" },
  });
});

Deno.test("chooseResponseType() answers in the request's own type without Accept or with */*", () => {
  for (const accept of [null, "", "*/*"]) {
    assert.deepEqual(chooseResponseType(accept, { requestType: "application/jsonlines" }), {
      type: "application/jsonlines",
      verbose: false,
    });
  }
});

Deno.test("chooseResponseType() prefers SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT for */*", () => {
  const options = { requestType: "text/csv" as const, defaultAccept: "application/json" as const };
  assert.equal(chooseResponseType(null, options)?.type, "application/json");
  assert.equal(chooseResponseType("*/*", options)?.type, "application/json");
  assert.equal(chooseResponseType("text/csv", options)?.type, "text/csv");
});

Deno.test("chooseResponseType() takes the highest q, then the first listed", () => {
  const options = { requestType: "text/csv" as const };
  assert.equal(
    chooseResponseType("text/csv;q=0.5, application/jsonlines", options)?.type,
    "application/jsonlines",
  );
  assert.equal(
    chooseResponseType("image/png, application/json, text/csv", options)?.type,
    "application/json",
  );
  assert.equal(chooseResponseType("application/json;q=0, text/csv", options)?.type, "text/csv");
});

Deno.test("chooseResponseType() reads verbose=true as a request for probabilities", () => {
  assert.deepEqual(
    chooseResponseType("application/json; verbose=true", { requestType: "text/csv" }),
    { type: "application/json", verbose: true },
  );
  assert.deepEqual(
    chooseResponseType("text/csv; verbose=false", { requestType: "text/csv" }),
    { type: "text/csv", verbose: false },
  );
});

Deno.test("chooseResponseType() maps text/* to CSV and application/* to a JSON type", () => {
  assert.equal(chooseResponseType("text/*", { requestType: "application/json" })?.type, "text/csv");
  assert.equal(
    chooseResponseType("application/*", { requestType: "text/csv" })?.type,
    "application/json",
  );
  assert.equal(
    chooseResponseType("application/*", { requestType: "application/jsonlines" })?.type,
    "application/jsonlines",
  );
});

Deno.test("chooseResponseType() returns undefined when nothing listed can be produced", () => {
  assert.equal(chooseResponseType("image/png", { requestType: "text/csv" }), undefined);
  assert.equal(
    chooseResponseType("application/xml, text/html;q=0", { requestType: "text/csv" }),
    undefined,
  );
});

Deno.test("knownMediaType() validates a configured default", () => {
  assert.equal(knownMediaType("application/json"), "application/json");
  assert.equal(knownMediaType("text/csv; charset=utf-8"), "text/csv");
  assert.equal(knownMediaType("text/html"), undefined);
});

Deno.test("chooseResponseType() never picks a type its Accept entry gives q=0", () => {
  const csv = { requestType: "text/csv" as const };
  assert.deepEqual(chooseResponseType("text/csv;q=0, */*", csv), {
    type: "application/json",
    verbose: false,
  });
  assert.deepEqual(chooseResponseType("text/csv;q=0, application/*", csv), {
    type: "application/json",
    verbose: false,
  });
  assert.deepEqual(
    chooseResponseType("application/json;q=0, application/*", { requestType: "application/json" }),
    { type: "application/jsonlines", verbose: false },
  );
  assert.deepEqual(chooseResponseType("text/*;q=0, */*;q=0.5", csv), {
    type: "application/json",
    verbose: false,
  });
  assert.equal(chooseResponseType("*/*;q=0", csv), undefined);
  assert.equal(chooseResponseType("text/csv;q=0", csv), undefined);
  assert.equal(
    chooseResponseType("text/csv;q=0, application/json;q=0, application/jsonlines;q=0, */*", csv),
    undefined,
  );
});

Deno.test("chooseResponseType() takes the most specific entry's q for each type", () => {
  const csv = { requestType: "text/csv" as const };
  // */* at 1 does not lift text/csv, which is named at 0.1, above application/json at 0.5.
  assert.deepEqual(chooseResponseType("*/*, text/csv;q=0.1, application/json;q=0.5", csv), {
    type: "application/jsonlines",
    verbose: false,
  });
  assert.deepEqual(chooseResponseType("text/csv;q=0.1, application/json;q=0.5", csv), {
    type: "application/json",
    verbose: false,
  });
});

Deno.test("chooseResponseType() refuses a whole Accept with a q-value outside RFC 9110", () => {
  const csv = { requestType: "text/csv" as const };
  for (
    const accept of [
      "application/json;q=abc",
      "application/json;q=2",
      "application/json;q=-1",
      "application/json;q=",
      "application/json;q=0.1234",
      "application/json;q=1.001",
      "application/json;q=.5",
      // A bad q on one entry does not quietly hand the answer to another.
      "text/csv;q=2, application/json",
      "text/csv, application/json;q=abc",
    ]
  ) {
    assert.equal(chooseResponseType(accept, csv), undefined, accept);
  }
});

Deno.test("chooseResponseType() accepts every q-value form RFC 9110 allows", () => {
  const csv = { requestType: "text/csv" as const };
  for (const q of ["0.001", "0.5", "0.125", "1", "1.", "1.0", "1.000"]) {
    assert.equal(chooseResponseType(`application/json;q=${q}`, csv)?.type, "application/json", q);
  }
  assert.equal(chooseResponseType("application/json;Q=0.5", csv)?.type, "application/json");
  assert.equal(chooseResponseType('application/json;q="0.5"', csv)?.type, "application/json");
  for (const zero of ["0", "0.", "0.000"]) {
    assert.equal(chooseResponseType(`application/json;q=${zero}`, csv), undefined, zero);
  }
});

Deno.test("invalidQValueMessage() names the bad q-value and its entry, else undefined", () => {
  assert.equal(
    invalidQValueMessage("text/csv, application/json;q=abc"),
    'Invalid q-value "abc" in Accept entry "application/json;q=abc": ' +
      "expected a number from 0 to 1 with at most 3 decimals",
  );
  assert.match(invalidQValueMessage("application/json; q=2")!, /^Invalid q-value "2" in Accept/);
  assert.match(invalidQValueMessage("text/csv;q=-1")!, /^Invalid q-value "-1" in Accept/);
  assert.equal(invalidQValueMessage("text/csv;q=0, application/xml;q=0.5"), undefined);
  assert.equal(invalidQValueMessage(null), undefined);
});

Deno.test("chooseResponseType() limited to some types picks among them by the same rules", () => {
  const json = ["application/json", "application/jsonlines"] as const;
  const csv = { requestType: "text/csv" as const, types: json };
  const jsonl = { requestType: "application/jsonlines" as const, types: json };
  for (const accept of [null, "", "*/*", "application/*", "*/*;q=0.5"]) {
    assert.equal(chooseResponseType(accept, csv)?.type, "application/json", String(accept));
    assert.equal(chooseResponseType(accept, jsonl)?.type, "application/jsonlines", String(accept));
  }
  // The default is taken when the answer may take it, passed over when it may not.
  const byDefault = { ...csv, defaultAccept: "application/jsonlines" as const };
  assert.equal(chooseResponseType("*/*", byDefault)?.type, "application/jsonlines");
  assert.equal(
    chooseResponseType(null, { ...jsonl, defaultAccept: "text/csv" })?.type,
    "application/jsonlines",
  );
  assert.equal(
    chooseResponseType("text/csv, application/json;q=0.1", csv)?.type,
    "application/json",
  );
  for (const accept of ["text/csv", "text/*", "text/csv, */*;q=0", "image/png"]) {
    assert.equal(chooseResponseType(accept, csv), undefined, accept);
  }
});

Deno.test("chooseResponseType() gives application/* the request's JSON type when the default is CSV", () => {
  const options = {
    requestType: "application/jsonlines" as const,
    defaultAccept: "text/csv" as const,
  };
  assert.equal(chooseResponseType("application/*", options)?.type, "application/jsonlines");
  assert.equal(chooseResponseType("*/*", options)?.type, "text/csv");
  assert.equal(
    chooseResponseType("application/*", { ...options, requestType: "text/csv" })?.type,
    "application/json",
  );
});
