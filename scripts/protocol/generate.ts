import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { buildAsyncApi } from "./asyncapi.ts";
import { canonicalize, toCanonicalJson } from "./canonical.ts";
import { buildJsonSchema, EXPORTED_SCHEMAS, schemaFileName } from "./json-schemas.ts";

/**
 * Writes the protocol documents a firmware engineer reads (docs/protocol/) from the zod schemas:
 *
 *   npx tsx scripts/protocol/generate.ts           write them
 *   npx tsx scripts/protocol/generate.ts --check   exit 1 and list the files that differ
 */

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const PROTOCOL_DIR = "docs/protocol";
const JSON_SCHEMA_DIR = `${PROTOCOL_DIR}/json-schema`;
const ASYNCAPI_FILE = `${PROTOCOL_DIR}/asyncapi.yaml`;

const YAML_HEADER =
  "# Generated from the zod schemas in schemas/ by `npx tsx scripts/protocol/generate.ts`: do not edit.\n";

/** Every generated file, by path relative to the repository root, with its exact content. */
export function renderProtocolDocs(): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of EXPORTED_SCHEMAS) {
    files.set(`${JSON_SCHEMA_DIR}/${schemaFileName(entry)}`, toCanonicalJson(buildJsonSchema(entry)));
  }
  const doc = canonicalize(buildAsyncApi());
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) throw new Error("not a document");
  // Written for YAML 1.1 readers as well (many AsyncAPI tools still are): strings such as `on` or
  // `1:20` are quoted, so a 1.1 and a 1.2 reader read the same document. No line folding, no aliases.
  files.set(
    ASYNCAPI_FILE,
    YAML_HEADER + stringify(doc, { version: "1.1", lineWidth: 0, aliasDuplicateObjects: false }),
  );
  return files;
}

export interface ProtocolDocsDiff {
  /** Generated files whose checked-in copy is missing or different. */
  stale: string[];
  /** Files in the generated folders that the generator no longer writes. */
  extra: string[];
}

/** The json-schema folder is the generator's alone; README.md beside it is written by hand. */
function existingSchemaFiles(root: string): string[] {
  const dir = join(root, JSON_SCHEMA_DIR);
  return existsSync(dir) ? readdirSync(dir).map((name) => `${JSON_SCHEMA_DIR}/${name}`) : [];
}

export function diffProtocolDocs(root = REPO_ROOT, files = renderProtocolDocs()): ProtocolDocsDiff {
  const stale = [...files]
    .filter(([path, content]) => {
      const full = join(root, path);
      return !existsSync(full) || readFileSync(full, "utf8") !== content;
    })
    .map(([path]) => path);
  const extra = existingSchemaFiles(root).filter((path) => !files.has(path));
  return { stale: stale.sort(), extra: extra.sort() };
}

/** Brings docs/protocol up to date; returns the paths it wrote or removed. */
export function writeProtocolDocs(root = REPO_ROOT): string[] {
  const files = renderProtocolDocs();
  const { stale, extra } = diffProtocolDocs(root, files);
  for (const path of stale) {
    const full = join(root, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, files.get(path) as string);
  }
  for (const path of extra) rmSync(join(root, path));
  return [...stale, ...extra];
}

function main(args: string[]): number {
  const unknown = args.filter((a) => a !== "--check");
  if (unknown.length > 0) {
    console.error(`unknown argument ${unknown.join(" ")}; usage: generate.ts [--check]`);
    return 2;
  }
  if (args.includes("--check")) {
    const { stale, extra } = diffProtocolDocs();
    if (stale.length === 0 && extra.length === 0) {
      console.log(`${PROTOCOL_DIR} is up to date`);
      return 0;
    }
    console.error(`${PROTOCOL_DIR} is out of date with schemas/; run npx tsx scripts/protocol/generate.ts`);
    for (const path of stale) console.error(`  differs: ${path}`);
    for (const path of extra) console.error(`  no longer generated: ${path}`);
    return 1;
  }
  const changed = writeProtocolDocs();
  console.log(
    changed.length === 0
      ? `${PROTOCOL_DIR} already up to date`
      : `updated ${changed.length} file(s):\n  ${changed.join("\n  ")}`,
  );
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
