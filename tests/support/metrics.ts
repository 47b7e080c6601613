/** `name{a="x",b="y"} 3` lines of the Prometheus text format, as { name, labels, value }. */
export function parseExposition(text: string) {
  const samples: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k!] = v!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return {
    /** The names of the samples that start with `prefix`, in exposition order (repeats kept). */
    names: (prefix: string): string[] => samples.filter((s) => s.name.startsWith(prefix)).map((s) => s.name),
    value(name: string, labels: Record<string, string> = {}): number | undefined {
      return samples.find(
        (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
      )?.value;
    },
  };
}
