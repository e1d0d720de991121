import { ApiError } from "../api";

/** The problem's reasons for one field (`invalid_params`), to show beside it. */
export function fieldErrors(error: ApiError | null, name: string): string[] {
  return error?.problem.invalid_params?.filter((p) => p.name === name).map((p) => p.reason) ?? [];
}

/** The problem without the fields shown beside their inputs, for the summary. */
export function withoutFields(error: ApiError, names: string[]): ApiError {
  const rest = error.problem.invalid_params?.filter((p) => !names.includes(p.name));
  return new ApiError(error.status, { ...error.problem, invalid_params: rest });
}

/** A field's reasons, referenced by the input's `aria-describedby`. */
export function FieldError({ id, reasons }: { id: string; reasons: string[] }) {
  if (reasons.length === 0) return null;
  return (
    <span id={id} className="field-error">
      {reasons.join(" ")}
    </span>
  );
}
