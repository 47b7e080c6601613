import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Access, ROUTE_ACCESS } from "../controller/http/access.ts";
import { ROLES } from "../schemas/index.ts";

/**
 * The README's "who may call what" table, rendered from ROUTE_ACCESS so the two cannot disagree:
 * `npm run docs:routes` rewrites it, tests/http-roles.test.ts fails when it is stale.
 */
export const README = fileURLToPath(new URL("../README.md", import.meta.url));
const START = "<!-- route-roles:start (generated from controller/http/access.ts by npm run docs:routes) -->";
const END = "<!-- route-roles:end -->";

export function renderRouteTable(): string {
  const header = `| route | no token | ${ROLES.join(" | ")} |`;
  const rule = `| --- | :-: | ${ROLES.map(() => ":-:").join(" | ")} |`;
  const rows = Object.entries(ROUTE_ACCESS as Record<string, Access>).map(([key, access]) => {
    const mark = (ok: boolean) => (ok ? "✓" : "");
    const cells = ROLES.map((r) => mark(access === "public" || access.includes(r)));
    return `| \`${key}\` | ${mark(access === "public")} | ${cells.join(" | ")} |`;
  });
  return [START, header, rule, ...rows, END].join("\n");
}

/** The README with its route table replaced by the current rendering. */
export function readmeWithRouteTable(readme: string): string {
  const from = readme.indexOf(START);
  const to = readme.indexOf(END);
  if (from < 0 || to < from) throw new Error(`README.md has no ${START} … ${END} section`);
  return readme.slice(0, from) + renderRouteTable() + readme.slice(to + END.length);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const readme = readFileSync(README, "utf8");
  const next = readmeWithRouteTable(readme);
  if (process.argv.includes("--check")) {
    if (next !== readme) {
      process.stderr.write("README.md's route table is stale: run npm run docs:routes\n");
      process.exit(1);
    }
  } else if (next !== readme) {
    writeFileSync(README, next);
    process.stdout.write("README.md: route table updated\n");
  }
}
