/**
 * `build_and_push.sh --dry-run` with fake `aws`, `docker` and `podman` on a minimal PATH: every
 * printed command, every AWS call it really makes (read-only ones only), and its early failures.
 * Also checks that the Dockerfile agrees with `.deno-version`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { runWithTools } from "../support/scripts.ts";

const REPO = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
const SCRIPT = `${REPO}/build_and_push.sh`;
const DENO_VERSION = Deno.readTextFileSync(`${REPO}/.deno-version`).trim();
const ACCOUNT = "123456789012";

/** A fake `aws`: answers the read-only calls from FAKE_* variables, logs every call. */
const FAKE_AWS = `#!/bin/bash
printf 'aws %s\\n' "$*" >>"$FAKE_LOG"
case "$1 $2" in
  "sts get-caller-identity")
    if [[ -n \${FAKE_NOT_LOGGED_IN:-} ]]; then
      echo "Unable to locate credentials. You can configure credentials by running \\"aws configure\\"." >&2
      exit 253
    fi
    echo ${ACCOUNT} ;;
  "configure get")
    [[ -n \${FAKE_REGION:-} ]] || exit 1
    echo "$FAKE_REGION" ;;
  "ecr describe-repositories")
    if [[ -n \${FAKE_DESCRIBE_ERROR:-} ]]; then echo "$FAKE_DESCRIBE_ERROR" >&2; exit 254; fi
    if [[ -n \${FAKE_REPO_EXISTS:-} ]]; then echo "${ACCOUNT}.dkr.ecr.x.amazonaws.com/repo"; exit 0; fi
    echo "An error occurred (RepositoryNotFoundException) when calling the DescribeRepositories operation: The repository with name 'x' does not exist in the registry with id '${ACCOUNT}'" >&2
    exit 254 ;;
  "ecr create-repository") echo "${ACCOUNT}.dkr.ecr.x.amazonaws.com/repo" ;;
  "ecr get-login-password") echo "fake-password" ;;
  *) exit 99 ;;
esac
`;

/** A fake container engine: fails unless FAKE_ENGINE_OK is set; `login` logs its stdin. */
const FAKE_ENGINE = `#!/bin/bash
printf '%s %s\\n' "$(basename "$0")" "$*" >>"$FAKE_LOG"
[[ -n \${FAKE_ENGINE_OK:-} ]] || { echo "Cannot connect to the Docker daemon" >&2; exit 1; }
if [[ $1 == login ]]; then printf 'stdin: %s\\n' "$(cat)" >>"$FAKE_LOG"; fi
`;

interface Run {
  code: number;
  stdout: string[];
  stderr: string;
  /** Calls the fakes received, one line each. */
  calls: string[];
}

/** Runs the script with a PATH holding only bash, a few coreutils and the chosen fakes. */
async function runScript(
  args: string[],
  options: { fakes?: string[]; env?: Record<string, string> } = {},
): Promise<Run> {
  const dir = await Deno.makeTempDir({ prefix: "build_and_push_test_" });
  try {
    const log = `${dir}/calls.log`;
    await Deno.writeTextFile(log, "");
    const fakes = Object.fromEntries(
      (options.fakes ?? ["aws", "docker"]).map((fake) => [
        fake,
        fake === "aws" ? FAKE_AWS : FAKE_ENGINE,
      ]),
    );
    const run = await runWithTools(dir, { script: SCRIPT, args }, {
      tools: ["bash", "dirname", "sed", "tr", "basename", "cat"],
      fakes,
      env: { FAKE_LOG: log, ...options.env },
    });
    return {
      ...run,
      stdout: run.stdout.split("\n").filter((line) => line !== ""),
      calls: (await Deno.readTextFile(log)).split("\n").filter((line) => line !== ""),
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const READ_ONLY_CALLS = [
  "aws sts get-caller-identity --query Account --output text",
  "aws configure get region",
];

Deno.test("build_and_push.sh --dry-run prints create, login, build, tag and push for a new repository", async () => {
  const run = await runScript(["my-algo", "--dry-run"], { env: { FAKE_REGION: "eu-west-1" } });
  assert.equal(run.code, 0, run.stderr);
  const registry = `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com`;
  assert.deepEqual(run.stdout, [
    `# aws sts get-caller-identity --query Account --output text -> ${ACCOUNT}`,
    "# aws configure get region -> eu-west-1",
    "# aws ecr describe-repositories --repository-names my-algo --region eu-west-1 -> not found",
    "+ aws ecr create-repository --repository-name my-algo --region eu-west-1 " +
    "--image-scanning-configuration scanOnPush=true --output text --query repository.repositoryUri",
    `+ aws ecr get-login-password --region eu-west-1 | docker login --username AWS --password-stdin ${registry}`,
    `+ docker build --platform linux/amd64 --build-arg DENO_VERSION=${DENO_VERSION} -t my-algo:latest --provenance=false ${REPO}`,
    `+ docker tag my-algo:latest ${registry}/my-algo:latest`,
    `+ docker push ${registry}/my-algo:latest`,
    `# image: ${registry}/my-algo:latest (linux/amd64)`,
  ]);
  // Only read-only AWS calls ran; the container engine was never called.
  assert.deepEqual(run.calls, [
    ...READ_ONLY_CALLS,
    "aws ecr describe-repositories --repository-names my-algo --region eu-west-1 --output text --query repositories[0].repositoryUri",
  ]);
});

Deno.test("build_and_push.sh --dry-run skips create-repository when it exists and honours --platform and --tag", async () => {
  const run = await runScript([
    "team/tree",
    "--platform",
    "linux/arm64",
    "--tag",
    "v1.2",
    "--dry-run",
  ], {
    env: { FAKE_REPO_EXISTS: "1" },
  });
  assert.equal(run.code, 0, run.stderr);
  const registry = `${ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com`;
  assert.deepEqual(run.stdout, [
    `# aws sts get-caller-identity --query Account --output text -> ${ACCOUNT}`,
    "# aws configure get region -> (none, using us-west-2)",
    "# aws ecr describe-repositories --repository-names team/tree --region us-west-2 -> exists",
    `+ aws ecr get-login-password --region us-west-2 | docker login --username AWS --password-stdin ${registry}`,
    `+ docker build --platform linux/arm64 --build-arg DENO_VERSION=${DENO_VERSION} -t team/tree:v1.2 --provenance=false ${REPO}`,
    `+ docker tag team/tree:v1.2 ${registry}/team/tree:v1.2`,
    `+ docker push ${registry}/team/tree:v1.2`,
    `# image: ${registry}/team/tree:v1.2 (linux/arm64)`,
  ]);
  assert.ok(run.calls.every((call) => call.startsWith("aws ")), run.calls.join("\n"));
});

Deno.test("build_and_push.sh uses podman (docker-format manifest) when docker is missing", async () => {
  const run = await runScript(["my-algo", "--dry-run", "--platform=arm64"], {
    fakes: ["aws", "podman"],
    env: { AWS_REGION: "cn-north-1", FAKE_REPO_EXISTS: "1" },
  });
  assert.equal(run.code, 0, run.stderr);
  const registry = `${ACCOUNT}.dkr.ecr.cn-north-1.amazonaws.com.cn`;
  assert.deepEqual(run.stdout.filter((line) => line.startsWith("+ ")), [
    `+ aws ecr get-login-password --region cn-north-1 | podman login --username AWS --password-stdin ${registry}`,
    `+ podman build --platform linux/arm64 --build-arg DENO_VERSION=${DENO_VERSION} -t my-algo:latest --format docker ${REPO}`,
    `+ podman tag my-algo:latest ${registry}/my-algo:latest`,
    `+ podman push ${registry}/my-algo:latest`,
  ]);
  // AWS_REGION wins: `aws configure get region` is not asked.
  assert.ok(!run.calls.includes("aws configure get region"), run.calls.join("\n"));
});

Deno.test("build_and_push.sh fails early when the AWS CLI is not logged in", async () => {
  const run = await runScript(["my-algo"], {
    env: { FAKE_NOT_LOGGED_IN: "1", FAKE_ENGINE_OK: "1" },
  });
  assert.equal(run.code, 1);
  assert.match(
    run.stderr,
    /AWS CLI is not logged in \(aws sts get-caller-identity failed\): Unable to locate credentials/,
  );
  assert.deepEqual(run.stdout, []);
  assert.deepEqual(run.calls, [READ_ONLY_CALLS[0]]);
});

Deno.test("build_and_push.sh --dry-run without credentials prints placeholders and asks nothing more", async () => {
  const run = await runScript(["my-algo", "--dry-run"], { env: { FAKE_NOT_LOGGED_IN: "1" } });
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(run.calls, [READ_ONLY_CALLS[0]]);
  assert.match(
    run.stdout[0],
    /^# dry run: AWS CLI is not logged in .*Unable to locate credentials/,
  );
  const registry = "ACCOUNT_ID.dkr.ecr.us-west-2.amazonaws.com";
  assert.ok(run.stdout.includes(`+ docker push ${registry}/my-algo:latest`), run.stdout.join("\n"));
});

Deno.test("build_and_push.sh --dry-run works with no AWS CLI and no container engine", async () => {
  const run = await runScript(["my-algo", "--dry-run"], { fakes: [] });
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(run.calls, []);
  const registry = "ACCOUNT_ID.dkr.ecr.us-west-2.amazonaws.com";
  assert.deepEqual(run.stdout, [
    "# dry run: The AWS CLI (aws) is not on PATH: install it, see https://aws.amazon.com/cli/; " +
    "going on with placeholders for the AWS look-ups",
    "# dry run: Neither docker nor podman is on PATH: install one of them; going on with docker",
    "# aws ecr describe-repositories --repository-names my-algo --region us-west-2 -> not asked",
    "# a real run creates the repository only if it is missing:",
    "+ aws ecr create-repository --repository-name my-algo --region us-west-2 " +
    "--image-scanning-configuration scanOnPush=true --output text --query repository.repositoryUri",
    `+ aws ecr get-login-password --region us-west-2 | docker login --username AWS --password-stdin ${registry}`,
    `+ docker build --platform linux/amd64 --build-arg DENO_VERSION=${DENO_VERSION} -t my-algo:latest --provenance=false ${REPO}`,
    "+ docker tag my-algo:latest " + `${registry}/my-algo:latest`,
    `+ docker push ${registry}/my-algo:latest`,
    `# image: ${registry}/my-algo:latest (linux/amd64)`,
  ]);
});

Deno.test("build_and_push.sh fails early when aws is missing", async () => {
  const run = await runScript(["my-algo"], { fakes: ["docker"] });
  assert.equal(run.code, 1);
  assert.match(run.stderr, /The AWS CLI \(aws\) is not on PATH/);
  assert.deepEqual(run.calls, []);
});

Deno.test("build_and_push.sh fails early when neither docker nor podman is installed", async () => {
  const run = await runScript(["my-algo"], { fakes: ["aws"] });
  assert.equal(run.code, 1);
  assert.match(run.stderr, /Neither docker nor podman is on PATH/);
  assert.deepEqual(run.calls, []);
});

Deno.test("build_and_push.sh stops when describe-repositories fails for another reason than not found", async () => {
  const run = await runScript(["my-algo", "--dry-run"], {
    env: { FAKE_DESCRIBE_ERROR: "An error occurred (AccessDeniedException)" },
  });
  assert.equal(run.code, 1);
  assert.match(
    run.stderr,
    /Cannot check ECR repository 'my-algo' in us-west-2: An error occurred \(AccessDeniedException\)/,
  );
  assert.ok(!run.stdout.some((line) => line.includes("create-repository")), run.stdout.join("\n"));
});

Deno.test("build_and_push.sh rejects a bad platform, image name or tag before calling anything", async () => {
  for (
    const [args, message] of [
      [["my-algo", "--platform", "linux/s390x"], /Unsupported platform 'linux\/s390x'/],
      [["My_Algo"], /Invalid image name 'My_Algo'/],
      [["my-algo", "--tag", "-bad"], /Invalid tag '-bad'/],
    ] as const
  ) {
    const run = await runScript([...args]);
    assert.equal(run.code, 1, `${args.join(" ")}: ${run.stderr}`);
    assert.match(run.stderr, message);
    assert.deepEqual(run.calls, []);
  }
});

Deno.test("build_and_push.sh prints usage and exits 2 without an image name", async () => {
  const run = await runScript([]);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /build_and_push\.sh IMAGE_NAME/);
  assert.match(run.stderr, /for what it could not look up\.\n$/);
});

Deno.test("build_and_push.sh --help prints the whole help on stdout and exits 0", async () => {
  for (const flag of ["--help", "-h"]) {
    const run = await runScript([flag]);
    assert.equal(run.code, 0, `${flag}: ${run.stderr}`);
    assert.equal(run.stderr, "");
    assert.match(run.stdout[1], /build_and_push\.sh IMAGE_NAME/);
    assert.match(run.stdout.at(-1) ?? "", /for what it could not look up\.$/);
    assert.deepEqual(run.calls, []);
  }
});

Deno.test("Dockerfile DENO_VERSION default equals .deno-version", async () => {
  const dockerfile = await Deno.readTextFile(`${REPO}/Dockerfile`);
  const match = dockerfile.match(/^ARG DENO_VERSION=(.+)$/m);
  assert.ok(match, "Dockerfile has no ARG DENO_VERSION=...");
  assert.equal(match[1].trim(), DENO_VERSION);
});

Deno.test("build_and_push.sh without --dry-run runs the printed commands, the password only on stdin", async () => {
  const run = await runScript(["my-algo"], {
    env: { FAKE_REGION: "eu-west-1", FAKE_ENGINE_OK: "1" },
  });
  assert.equal(run.code, 0, run.stderr);
  const registry = `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com`;
  // `aws ecr get-login-password | docker login` starts both sides of the pipe at once, so the
  // two may log in either order.
  const calls = [...run.calls];
  const login = calls.findIndex((call) => call.startsWith("aws ecr get-login-password"));
  if (login > 0 && calls[login - 1].startsWith("docker login")) {
    [calls[login - 1], calls[login]] = [calls[login], calls[login - 1]];
  }
  assert.deepEqual(calls, [
    ...READ_ONLY_CALLS,
    "docker info",
    "aws ecr describe-repositories --repository-names my-algo --region eu-west-1 --output text --query repositories[0].repositoryUri",
    "aws ecr create-repository --repository-name my-algo --region eu-west-1 " +
    "--image-scanning-configuration scanOnPush=true --output text --query repository.repositoryUri",
    "aws ecr get-login-password --region eu-west-1",
    `docker login --username AWS --password-stdin ${registry}`,
    "stdin: fake-password",
    `docker build --platform linux/amd64 --build-arg DENO_VERSION=${DENO_VERSION} -t my-algo:latest --provenance=false ${REPO}`,
    `docker tag my-algo:latest ${registry}/my-algo:latest`,
    `docker push ${registry}/my-algo:latest`,
  ]);
  assert.ok(!run.stdout.join("\n").includes("fake-password"));
});

Deno.test("build_and_push.sh fails early when the container engine does not answer", async () => {
  const run = await runScript(["my-algo"], { env: { FAKE_REPO_EXISTS: "1" } });
  assert.equal(run.code, 1);
  assert.match(run.stderr, /Cannot reach docker \('docker info' failed\)/);
  assert.ok(
    !run.calls.some((call) => /build|push|login|create-repository/.test(call)),
    run.calls.join("\n"),
  );
});
