/**
 * A value quoted back in an error message: a short excerpt, never a whole cell. Feed cells and
 * API fields can be megabytes long, and an error that echoes them whole turns one bad row into
 * a reply (and a log line) as large as the input.
 */
export function excerpt(text: string, max = 40): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
