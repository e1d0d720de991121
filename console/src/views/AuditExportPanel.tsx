import { useEffect } from "react";
import { CopyButton } from "../components/CopyButton";
import { Load, StatusBadge } from "../components/States";
import { useLoad } from "../hooks";
import { useI18n, type I18n } from "../i18n";
import { useSession } from "../session";
import type { AuditExport, ExportIntegrity } from "../types";

/** How often a running export is asked about (milliseconds). */
export const POLL_MS = 1500;

const UNITS = ["byte", "kilobyte", "megabyte", "gigabyte"] as const;

/** A file's size in the viewer's language: 999 byte, 1.2 kB, 3.4 MB. */
function size(bytes: number, number: I18n["number"]): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return number(value, { style: "unit", unit: UNITS[unit], unitDisplay: "short", maximumFractionDigits: 1 });
}

/**
 * An audit export job (GET /v1/audit-exports/{id}): asked about again every
 * {@link POLL_MS} while it runs; once it succeeded, its file (a link valid
 * for five minutes, a fresh one on request), what it holds and its
 * integrity against the signed digests; once it failed, why.
 */
export function AuditExportPanel({ id, onClose }: { id: string; onClose: () => void }) {
  const { t } = useI18n();
  const { api } = useSession();
  const job = useLoad(() => api.auditExport(id), id);
  const running = job.status === "ok" && job.data.status === "Running";
  const { reload, refreshing } = job;
  useEffect(() => {
    if (!running || refreshing) return undefined;
    const timer = window.setTimeout(reload, POLL_MS);
    return () => window.clearTimeout(timer);
  }, [running, refreshing, reload]);
  return (
    <section className="panel" aria-labelledby="export-title">
      <div className="title-row">
        <h2 id="export-title">{t("export.title")}</h2>
        <button type="button" className="small" onClick={onClose}>
          {t("common.close")}
        </button>
      </div>
      <Load state={job}>{(data) => <ExportJob job={data} refreshing={refreshing} onRefresh={reload} />}</Load>
    </section>
  );
}

function ExportJob({ job, refreshing, onRefresh }: { job: AuditExport; refreshing: boolean; onRefresh: () => void }) {
  const { t, dateTime, number } = useI18n();
  const filters = [
    [t("audit.actorId"), job.actor_id],
    [t("audit.action"), job.action],
    [t("audit.outcome"), job.outcome ? t(`audit.outcome.${job.outcome}`) : undefined],
  ].filter(([, value]) => value);
  const said =
    job.status === "Running"
      ? job.progress_records !== undefined
        ? t("export.progress", { count: number(job.progress_records) })
        : t("export.running")
      : job.status === "Succeeded"
        ? t("export.succeeded")
        : t("export.failed");
  return (
    <>
      <p className="export-status" role="status" aria-live="polite">
        <StatusBadge status={job.status} />
        <span>{said}</span>
      </p>
      {job.status === "Running" ? <progress aria-label={t("export.progressLabel")} /> : null}
      <dl className="details">
        <dt>{t("export.range")}</dt>
        <dd>{t("export.rangeValue", { from: dateTime(job.from), to: dateTime(job.to) })}</dd>
        <dt>{t("export.filters")}</dt>
        <dd>
          {filters.length
            ? filters.map(([name, value]) => (
                <span className="filter" key={name}>
                  {name}: <code>{value}</code>
                </span>
              ))
            : t("export.noFilter")}
        </dd>
        <dt>{t("export.requested")}</dt>
        <dd>{t("export.requestedValue", { date: dateTime(job.requested_at), by: job.requested_by })}</dd>
        {job.status === "Succeeded" ? (
          <>
            <dt>{t("export.records")}</dt>
            <dd data-testid="export-records">{job.records !== undefined ? number(job.records) : t("common.none")}</dd>
            <dt>{t("export.size")}</dt>
            <dd>{job.bytes !== undefined ? size(job.bytes, number) : t("common.none")}</dd>
            <dt>{t("export.sha256")}</dt>
            <dd>
              {job.sha256 ? (
                <>
                  <code className="digest">{job.sha256}</code> <CopyButton text={job.sha256} />
                </>
              ) : (
                t("common.none")
              )}
            </dd>
          </>
        ) : null}
        {job.status === "Failed" ? (
          <>
            <dt>{t("export.reason")}</dt>
            <dd>{job.failure ?? t("common.none")}</dd>
          </>
        ) : null}
      </dl>
      {job.status === "Succeeded" && job.download_url ? (
        <>
          <div className="buttons">
            <a className="button primary" href={job.download_url} download>
              {t("export.download")}
            </a>
            <button type="button" onClick={onRefresh} disabled={refreshing}>
              {t("export.freshLink")}
            </button>
          </div>
          {job.download_expires_at ? (
            <p className="hint">{t("export.linkExpires", { date: dateTime(job.download_expires_at) })}</p>
          ) : null}
        </>
      ) : null}
      {job.status === "Succeeded" ? <Integrity integrity={job.integrity} /> : null}
    </>
  );
}

/** The file checked against the signed digests; an older job has no result. */
function Integrity({ integrity }: { integrity?: ExportIntegrity }) {
  const { t, number } = useI18n();
  let body;
  switch (integrity?.result) {
    case "verified": {
      const text =
        integrity.digests === 0
          ? t("integrity.chainOnly", { records: number(integrity.records) })
          : integrity.not_yet_digested === 0
            ? t("integrity.verifiedAll", { digests: number(integrity.digests), records: number(integrity.records) })
            : t("integrity.verified", {
                digests: number(integrity.digests),
                through: number(integrity.digested_through),
                pending: number(integrity.not_yet_digested),
              });
      body = <p className="integrity integrity-ok">{text}</p>;
      break;
    }
    case "failed":
      body = (
        <div className="problem" role="alert">
          <p>
            <strong>{t("integrity.failed", { problem: integrity.problem })}</strong>
          </p>
          <p>{integrity.message}</p>
        </div>
      );
      break;
    case "not_checked":
      body = <p className="integrity">{t("integrity.notChecked", { reason: integrity.reason })}</p>;
      break;
    default:
      body = <p className="integrity">{t("integrity.absent")}</p>;
  }
  return (
    <section aria-labelledby="integrity-title">
      <h3 id="integrity-title">{t("integrity.title")}</h3>
      {body}
    </section>
  );
}
