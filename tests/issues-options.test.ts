import { describe, expect, it } from "vitest";
import { z } from "zod";
import { flagOrEnv, flagOrEnvList } from "../firmware-bridge/cli-options.ts";
import { commaList } from "../lib/options.ts";
import { describeIssues, issueProblems, optionProblem } from "../schemas/index.ts";

describe("one zod-issue formatter", () => {
  const schema = z.object({ a: z.object({ b: z.number() }), c: z.string() });
  const error = schema.safeParse({ a: { b: "x" } }).error!;

  it("names each field by its dotted path, and the whole value by the name given", () => {
    expect(issueProblems(error).map((p) => p.field)).toEqual(["a.b", "c"]);
    expect(issueProblems(z.number().safeParse("x").error!, "(body)")[0]?.field).toBe("(body)");
  });

  it("writes a few problems on one line and counts the rest", () => {
    expect(describeIssues(error)).toMatch(/^a\.b: .+; c: .+$/);
    expect(describeIssues(error, "(payload)", 1)).toMatch(/^a\.b: .+; … 1 more$/);
  });

  it("names where an option came from and what was given, except a secret's value", () => {
    const issue = z.object({ port: z.number() }).safeParse({ port: "eighty" }).error!.issues[0]!;
    expect(optionProblem(issue, { port: "eighty" }, () => "PORT / --port")).toMatch(
      /^PORT \/ --port: .+ \(got "eighty"\)$/,
    );
    expect(
      optionProblem(
        issue,
        { port: "eighty" },
        () => "PORT",
        () => true,
      ),
    ).not.toMatch(/eighty/);
  });
});

describe("flag or comma-separated environment", () => {
  it("takes repeated flags first, else the variable's comma-separated items", () => {
    expect(flagOrEnvList({ ap: ["a", "b"] }, "ap", { AP: "c" }, "AP")).toEqual({
      values: ["a", "b"],
      source: "--ap",
    });
    expect(flagOrEnvList({}, "ap", { AP: " c, ,d " }, "AP")).toEqual({ values: ["c", "d"], source: "AP" });
    expect(flagOrEnv({}, "url", { URL: "u" }, "URL")).toEqual({ value: "u", source: "URL" });
    expect(flagOrEnv({ url: "v" }, "url", { URL: "u" }, "URL")).toEqual({ value: "v", source: "--url" });
    expect(commaList(undefined)).toEqual([]);
  });
});
