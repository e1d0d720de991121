import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError } from "./api";

export type Loaded<T> =
  | { status: "loading" }
  | { status: "error"; error: ApiError }
  | { status: "ok"; data: T };

export function asApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  return new ApiError(0, { type: "about:blank", title: e instanceof Error ? e.message : String(e), status: 0 });
}

/**
 * Loads `load()` when `key` changes; stale answers are dropped. A reload
 * keeps showing the data it has until the new answer arrives, so the page
 * (and what it just said) stays in place.
 */
export function useLoad<T>(
  load: () => Promise<T>,
  key: string,
): Loaded<T> & { reload: () => void; refreshing: boolean } {
  const [state, setState] = useState<Loaded<T>>({ status: "loading" });
  const [refreshing, setRefreshing] = useState(false);
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const loadedKey = useRef<string | null>(null);
  useEffect(() => {
    let live = true;
    if (loadedKey.current !== key) setState({ status: "loading" });
    loadedKey.current = key;
    setRefreshing(true);
    loadRef
      .current()
      .then(
        (data) => live && setState({ status: "ok", data }),
        (e: unknown) => live && setState({ status: "error", error: asApiError(e) }),
      )
      .finally(() => live && setRefreshing(false));
    return () => {
      live = false;
    };
  }, [key, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { ...state, reload, refreshing };
}

/** A write in flight: busy while it runs, its error kept until the next try. */
export function useAction<A extends unknown[], R>(action: (...args: A) => Promise<R>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const run = useCallback(
    async (...args: A): Promise<R | undefined> => {
      setBusy(true);
      setError(null);
      try {
        return await action(...args);
      } catch (e) {
        setError(asApiError(e));
        return undefined;
      } finally {
        setBusy(false);
      }
    },
    [action],
  );
  return { run, busy, error, clearError: () => setError(null) };
}
