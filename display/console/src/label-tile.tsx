import { useEffect, useState } from "preact/hooks";
import type { LabelReply } from "../../../schemas/index.ts";
import { get } from "./api.ts";
import { fill, msg } from "./i18n/index.ts";
import { Preview } from "./ui.tsx";

/**
 * A label as a tile: its preview (fetched again whenever its content hash changes) and its sync
 * status, re-read every second while the label is not in sync, so staff see their change reach it.
 */
export function LabelTile({ labelId }: { labelId: string }) {
  const [label, setLabel] = useState<LabelReply | null>(null);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const poll = async () => {
      try {
        const l = await get<LabelReply>(`/labels/${encodeURIComponent(labelId)}`);
        if (stopped) return;
        setLabel(l);
        timer = setTimeout(poll, l.inSync ? 5000 : 1000);
      } catch {
        if (!stopped) timer = setTimeout(poll, 3000);
      }
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [labelId]);
  return (
    <div class="tile" data-label={labelId} data-status={label?.status ?? ""}>
      <a href={`/labels/${encodeURIComponent(labelId)}`}>{labelId}</a>{" "}
      {label && <span class={`badge s-${label.status}`}>{msg.status[label.status]}</span>}
      <Preview
        path={`/labels/${encodeURIComponent(labelId)}/preview.png`}
        alt={fill(msg.labels.previewOf, { id: labelId })}
        version={label?.content?.contentHash ?? null}
      />
    </div>
  );
}
