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
    /** The first sample of `name` that has these labels (it may have others too). */
    value(name: string, labels: Record<string, string> = {}): number | undefined {
      return samples.find(
        (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
      )?.value;
    },
    /** The sample of `name` whose labels are exactly these; more than one such sample is an error. */
    exactly(name: string, labels: Record<string, string> = {}): number | undefined {
      const want = Object.entries(labels);
      const found = samples.filter(
        (s) =>
          s.name === name &&
          Object.keys(s.labels).length === want.length &&
          want.every(([k, v]) => s.labels[k] === v),
      );
      if (found.length > 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`);
      return found[0]?.value;
    },
  };
}
