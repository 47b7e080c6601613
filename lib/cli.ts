import { type ParseArgsConfig, parseArgs } from "node:util";

/**
 * What every command does with its command line (DESIGN §3b): `--help` (or `-h`) prints its usage on
 * stdout and exits 0; an unknown flag, a flag without its value or a bad value stops it with one line
 * on stderr and exit 2; anything else that goes wrong is exit 1 with the whole story.
 */

/** A refusal an operator can act on: printed as `shelfsync <command>: <message>` on one line, exit 2. */
export class CommandError extends Error {}

type Options = NonNullable<ParseArgsConfig["options"]>;
const HELP = { help: { type: "boolean", short: "h" } } as const;

/** Node's messages go on about `--` after the first sentence; the first sentence is the point. */
function oneLine(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const unknown = /^Unknown option '([^']+)'/.exec(message);
  if (unknown) return `unknown option ${unknown[1]} (see --help)`;
  const stray = /^Unexpected argument '([^']+)'/.exec(message);
  if (stray) return `unexpected argument "${stray[1]}" (see --help)`;
  return (message.split(/\.\s|\n/)[0] ?? message).replace(/^Option/, "option");
}

/** Parse strictly; `help` is always among the options. Throws CommandError on anything unknown. */
export function parseCommandLine<const O extends Options>(
  args: readonly string[],
  options: O,
  { positionals = true }: { positionals?: boolean } = {},
) {
  try {
    return parseArgs({
      args: [...args],
      options: { ...options, ...HELP },
      strict: true,
      allowPositionals: positionals,
    });
  } catch (e) {
    throw new CommandError(oneLine(e));
  }
}

/**
 * Run a command's main and turn its outcome into an exit code: its return value (default 0);
 * CommandError, or any error `isRefusal` accepts, one line and 2; anything else its stack and 1.
 * A main that leaves a server running just returns; the process lives on.
 */
export function runCommand(
  name: string,
  main: () => Promise<number | undefined> | number | undefined,
  isRefusal: (e: unknown) => boolean = () => false,
): void {
  const prefix = name ? `shelfsync ${name}` : "shelfsync";
  Promise.resolve()
    .then(main)
    .then(
      (code) => {
        if (typeof code === "number") process.exitCode = code;
      },
      (e: unknown) => {
        if (e instanceof CommandError || isRefusal(e)) {
          process.stderr.write(`${prefix}: ${(e as Error).message}\n`);
          process.exit(2);
        }
        process.stderr.write(`${prefix}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
        process.exit(1);
      },
    );
}
