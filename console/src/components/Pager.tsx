import { useState } from "react";
import { useI18n } from "../i18n";

/**
 * Cursor pages: the API gives only the next cursor, so the pager keeps the
 * ones it came through to go back.
 */
export function useCursor() {
  const [trail, setTrail] = useState<(string | undefined)[]>([undefined]);
  const cursor = trail[trail.length - 1];
  return {
    cursor,
    page: trail.length,
    next: (c: string) => setTrail((t) => [...t, c]),
    previous: () => setTrail((t) => (t.length > 1 ? t.slice(0, -1) : t)),
    reset: () => setTrail([undefined]),
  };
}

export function Pager({
  page,
  nextCursor,
  onNext,
  onPrevious,
}: {
  page: number;
  nextCursor?: string;
  onNext: (cursor: string) => void;
  onPrevious: () => void;
}) {
  const { t } = useI18n();
  if (page === 1 && !nextCursor) return null;
  return (
    <nav className="pager" aria-label={t("common.next")}>
      <button type="button" onClick={onPrevious} disabled={page === 1}>
        {t("common.previous")}
      </button>
      <span aria-live="polite">{page}</span>
      <button type="button" onClick={() => nextCursor && onNext(nextCursor)} disabled={!nextCursor}>
        {t("common.next")}
      </button>
    </nav>
  );
}
