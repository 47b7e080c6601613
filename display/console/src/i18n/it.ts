import type { Messages } from "./en.ts";
import en from "./en.ts";

export default { ...en, language: "it" } satisfies Messages;
