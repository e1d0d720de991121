import type { ReactNode } from "react";
import type { Loaded } from "../hooks";
import type { Page } from "../types";
import { Pager, type useCursor } from "./Pager";
import { Empty, Load } from "./States";

/**
 * One page of a list as a table: loading, the refusal, the empty state, the
 * rows, and the pager (the API's `items` and `next_cursor`).
 */
export function PagedTable<T>({
  state,
  pages,
  empty,
  columns,
  row,
  className,
}: {
  state: Loaded<Page<T>> & { reload: () => void };
  pages: ReturnType<typeof useCursor>;
  empty: string;
  columns: string[];
  row: (item: T) => ReactNode;
  className?: string;
}) {
  return (
    <Load state={state}>
      {(page) =>
        page.items.length === 0 ? (
          <Empty>{empty}</Empty>
        ) : (
          <>
            <table className={className}>
              <thead>
                <tr>
                  {columns.map((c) => (
                    <th scope="col" key={c}>
                      {c}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>{page.items.map(row)}</tbody>
            </table>
            <Pager page={pages.page} nextCursor={page.next_cursor} onNext={pages.next} onPrevious={pages.previous} />
          </>
        )
      }
    </Load>
  );
}
