import { act, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { problem, renderWithSession, tenantUser } from "../test-utils";
import type { AuditExport, AuditExportRequest, Me } from "../types";
import { POLL_MS } from "./AuditExportPanel";
import { AuditView, DEFAULT_DAYS, EXPORT_KEY } from "./AuditView";

const auditor: Me = { kind: "platform", user_id: "u", roles: ["Auditor"] };
const TENANT = "8d5e9a34-3d1f-4b8e-9b8e-2f6a8a1c0b11";

const job = (over: Partial<AuditExport> = {}): AuditExport => ({
  id: "x-1",
  tenant_id: TENANT,
  from: "2026-10-24T08:00:00Z",
  to: "2026-11-23T08:00:00Z",
  requested_by: "auditor-1",
  requested_at: "2026-11-23T08:00:00Z",
  status: "Running",
  ...over,
});

const succeeded = (over: Partial<AuditExport> = {}) =>
  job({
    status: "Succeeded",
    finished_at: "2026-11-23T08:00:05Z",
    records: 12345,
    bytes: 2_400_000,
    sha256: "ab".repeat(32),
    download_url: "https://exports.example/audit.csv?X-Amz-Signature=1",
    download_expires_at: "2026-11-23T08:05:05Z",
    ...over,
  });

/** The view with a fake API: no records, and the export calls given. */
function renderAudit(me: Me, api: Record<string, unknown> = {}) {
  const auditRecords = vi.fn(async () => ({ items: [] }));
  renderWithSession(<AuditView />, me, { auditRecords, ...api });
  return { auditRecords };
}

/** The panel of a stored export, answered by `answers` in turn (the last one repeats). */
async function panelOf(...answers: AuditExport[]) {
  window.sessionStorage.setItem(EXPORT_KEY, "x-1");
  const auditExport = vi.fn(async (_id: string) => (answers.length > 1 ? answers.shift()! : answers[0]!));
  renderAudit(auditor, { auditExport });
  const panel = within(await screen.findByRole("region", { name: "CSV export" }));
  return { panel, auditExport };
}

beforeEach(() => window.sessionStorage.clear());
afterEach(() => vi.useRealTimers());

describe("AuditView", () => {
  it("passes the filters to the list API, only those that are set", async () => {
    const user = userEvent.setup();
    const { auditRecords } = renderAudit(auditor);
    await screen.findByText("No audit record in this range.");
    expect(auditRecords).toHaveBeenLastCalledWith(
      expect.objectContaining({ actor_id: undefined, action: undefined, outcome: undefined }),
    );
    await user.type(screen.getByLabelText("Tenant id (or platform)"), TENANT);
    await user.type(screen.getByLabelText("Actor id"), " op-7 ");
    await user.type(screen.getByLabelText("Action"), "tenant.suspend");
    await user.selectOptions(screen.getByLabelText("Outcome"), "Failure");
    await user.click(screen.getByRole("button", { name: "Search" }));
    expect(auditRecords).toHaveBeenLastCalledWith({
      tenant_id: TENANT,
      from: undefined,
      to: undefined,
      actor_id: "op-7",
      action: "tenant.suspend",
      outcome: "Failure",
      limit: 50,
      cursor: undefined,
    });
  });

  it("exports the search as CSV, over the last 30 days when no range is given", async () => {
    const user = userEvent.setup();
    const requestAuditExport = vi.fn(async () => job());
    renderAudit(tenantUser("Owner"), { requestAuditExport, auditExport: async () => job() });
    expect(screen.queryByLabelText("Tenant id (or platform)")).toBeNull();
    expect(screen.getByRole("button", { name: "Export CSV" })).toHaveAccessibleDescription(
      "Exports the search above. Without From and To: the last 30 days.",
    );
    await user.type(screen.getByLabelText("Action"), "member.invite");
    const before = Date.now();
    await user.click(screen.getByRole("button", { name: "Export CSV" }));
    expect(requestAuditExport).toHaveBeenCalledOnce();
    const body = (requestAuditExport.mock.calls[0] as unknown as [AuditExportRequest])[0];
    expect(Object.keys(JSON.parse(JSON.stringify(body))).sort()).toEqual(["action", "from", "to"]);
    expect(body.action).toBe("member.invite");
    const to = Date.parse(body.to);
    expect(to).toBeGreaterThanOrEqual(before - 1000);
    expect(to).toBeLessThanOrEqual(Date.now());
    expect(to - Date.parse(body.from)).toBe(DEFAULT_DAYS * 24 * 60 * 60 * 1000);
    await screen.findByRole("region", { name: "CSV export" });
    expect(window.sessionStorage.getItem(EXPORT_KEY)).toBe("x-1");
  });

  it("exports the tenant, range and outcome a platform user gives", async () => {
    const user = userEvent.setup();
    const requestAuditExport = vi.fn(async () => job());
    renderAudit(auditor, { requestAuditExport, auditExport: async () => job() });
    await user.type(screen.getByLabelText("Tenant id (or platform)"), "platform");
    await user.type(screen.getByLabelText("From"), "2026-11-01T09:30");
    await user.type(screen.getByLabelText("To"), "2026-11-02T09:30");
    await user.selectOptions(screen.getByLabelText("Outcome"), "Success");
    await user.click(screen.getByRole("button", { name: "Export CSV" }));
    expect(requestAuditExport).toHaveBeenCalledWith({
      tenant_id: "platform",
      from: new Date("2026-11-01T09:30").toISOString(),
      to: new Date("2026-11-02T09:30").toISOString(),
      actor_id: undefined,
      action: undefined,
      outcome: "Success",
    });
  });

  it("a platform user must name a tenant: the API's refusal is shown beside the field", async () => {
    const user = userEvent.setup();
    const requestAuditExport = vi.fn(async () => {
      throw problem(400, "ERR-VAL-400", {
        detail: "Invalid input: tenant_id.",
        invalid_params: [{ name: "tenant_id", reason: "is required" }],
      });
    });
    renderAudit(auditor, { requestAuditExport });
    await user.click(screen.getByRole("button", { name: "Export CSV" }));
    expect(requestAuditExport.mock.calls[0]).toEqual([expect.objectContaining({ tenant_id: undefined })]);
    const field = screen.getByLabelText(/Tenant id \(or platform\)/, { selector: "input" });
    expect(field).toHaveAttribute("aria-invalid", "true");
    expect(field).toHaveAccessibleDescription("is required");
    expect(await screen.findByRole("alert")).toHaveTextContent("ERR-VAL-400");
    expect(screen.queryByRole("region", { name: "CSV export" })).toBeNull();
    expect(screen.getByRole("button", { name: "Export CSV" })).toBeEnabled();
  });

  it("polls the running export until it succeeded, then offers the file, its SHA-256 and its verified integrity", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const { panel, auditExport } = await panelOf(
      job(),
      job({ progress_records: 12000 }),
      succeeded({
        integrity: { result: "verified", records: 12345, digests: 3, digested_through: 12000, not_yet_digested: 345 },
      }),
    );
    expect(await panel.findByRole("status")).toHaveTextContent("RunningWriting the file…");
    expect(panel.getByRole("progressbar", { name: "Export progress" })).toBeInTheDocument();
    await act(() => vi.advanceTimersByTimeAsync(POLL_MS));
    expect(await panel.findByText("12,000 records written")).toBeInTheDocument();
    await act(() => vi.advanceTimersByTimeAsync(POLL_MS));
    await panel.findByText("The file is ready.");
    expect(panel.queryByRole("progressbar")).toBeNull();
    expect(panel.getByRole("link", { name: "Download CSV" })).toHaveAttribute(
      "href",
      "https://exports.example/audit.csv?X-Amz-Signature=1",
    );
    expect(panel.getByRole("link", { name: "Download CSV" })).toHaveAttribute("download");
    expect(panel.getByTestId("export-records")).toHaveTextContent("12,345");
    expect(panel.getByText("2.4 MB")).toBeInTheDocument();
    expect(panel.getByText("ab".repeat(32)).tagName).toBe("CODE");
    expect(panel.getByRole("button", { name: "Copy" })).toBeInTheDocument();
    expect(panel.getByRole("region", { name: "Integrity" })).toHaveTextContent(
      "Verified against 3 signed digests: records through #12,000 are covered; 345 newer records are checked by their hash chain only (the next digest will cover them).",
    );
    expect(auditExport).toHaveBeenCalledTimes(3);
    await act(() => vi.advanceTimersByTimeAsync(POLL_MS * 3));
    expect(auditExport).toHaveBeenCalledTimes(3);
  });

  it("asks the job again for a fresh download link", async () => {
    const user = userEvent.setup();
    const { panel, auditExport } = await panelOf(
      succeeded(),
      succeeded({ download_url: "https://exports.example/audit.csv?X-Amz-Signature=2" }),
    );
    await user.click(await panel.findByRole("button", { name: "Get a fresh link" }));
    await vi.waitFor(() =>
      expect(panel.getByRole("link", { name: "Download CSV" })).toHaveAttribute(
        "href",
        "https://exports.example/audit.csv?X-Amz-Signature=2",
      ),
    );
    expect(auditExport).toHaveBeenCalledTimes(2);
  });

  it("a failed integrity check is an alert with its message", async () => {
    const { panel } = await panelOf(
      succeeded({ integrity: { result: "failed", problem: "altered", message: "record 17 (r-17) was altered" } }),
    );
    const alert = await panel.findByRole("alert");
    expect(alert).toHaveTextContent("The file does not match the signed audit trail (altered).");
    expect(alert).toHaveTextContent("record 17 (r-17) was altered");
  });

  it("an export without an integrity result says it was not checked", async () => {
    const { panel } = await panelOf(succeeded());
    expect(await panel.findByRole("region", { name: "Integrity" })).toHaveTextContent(
      "Integrity not checked for this export.",
    );
    expect(panel.queryByRole("alert")).toBeNull();
  });

  it("says why the integrity was not checked", async () => {
    const { panel } = await panelOf(succeeded({ integrity: { result: "not_checked", reason: "filtered export" } }));
    expect(await panel.findByRole("region", { name: "Integrity" })).toHaveTextContent(
      "Integrity not checked: filtered export",
    );
  });

  it("a failed export says why, and offers no file", async () => {
    const { panel } = await panelOf(
      job({ status: "Failed", failure: "the store could not be read", action: "tenant.create", outcome: "Success" }),
    );
    expect(await panel.findByRole("status")).toHaveTextContent("FailedThe export failed.");
    expect(panel.getByText("the store could not be read")).toBeInTheDocument();
    expect(panel.getByText("tenant.create")).toBeInTheDocument();
    expect(panel.queryByRole("link")).toBeNull();
    expect(panel.queryByRole("region", { name: "Integrity" })).toBeNull();
  });

  it("a reload of the page shows the last export again", async () => {
    const { panel, auditExport } = await panelOf(succeeded());
    await panel.findByText("The file is ready.");
    expect(auditExport).toHaveBeenCalledWith("x-1");
  });

  it("closing the panel forgets the export", async () => {
    const user = userEvent.setup();
    const { panel } = await panelOf(succeeded());
    await user.click(panel.getByRole("button", { name: "Close" }));
    expect(screen.queryByRole("region", { name: "CSV export" })).toBeNull();
    expect(window.sessionStorage.getItem(EXPORT_KEY)).toBeNull();
  });
});
