/**
 * Settings from the environment: a list in one variable is comma-separated ("a, b,c"); blanks around
 * items and empty items are dropped. Command lines repeat the flag instead.
 */
export function commaList(text: string | undefined): string[] {
  return (text ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}
