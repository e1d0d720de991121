import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { problem, renderWithSession } from "../test-utils";
import type { Me, TenantFlag } from "../types";
import { parseValue, TenantFlags } from "./TenantFlags";

const operator: Me = { kind: "platform", user_id: "u", roles: ["Operator"] };
const auditor: Me = { kind: "platform", user_id: "u", roles: ["Auditor"] };

const flags: TenantFlag[] = [
  { key: "max-projects", type: "number", description: "Projects", value: 7, reason: "override", plan_default: 50, override: 7 },
  { key: "new-editor", type: "boolean", description: "Editor", value: true, reason: "plan_default", plan_default: true, override: null },
  {
    key: "rate-limits",
    type: "object",
    description: "Limits",
    value: { requests_per_minute: 600 },
    reason: "plan_default",
    plan_default: { requests_per_minute: 600 },
    override: null,
  },
];

const fakeApi = (extra: Record<string, unknown> = {}) => ({
  flags: vi.fn(async () => ({ tenant_id: "t-1", plan: "Pro", catalog_version: "3", flags })),
  ...extra,
});

describe("TenantFlags", () => {
  it("shows every flag's value, why, the plan default and the override", async () => {
    renderWithSession(<TenantFlags tenantId="t-1" />, operator, fakeApi());
    await screen.findByText("Plan Pro; catalog version 3.");
    const row = screen.getByRole("row", { name: /max-projects/ });
    expect(within(row).getAllByRole("cell").map((c) => c.textContent)).toEqual(["number", "7", "Override", "50", "7", "Clear"]);
    const editor = screen.getByRole("row", { name: /new-editor/ });
    expect(within(editor).getByText("Plan default", { selector: "td" })).toBeInTheDocument();
  });

  it("sends an override typed as the flag's type", async () => {
    const user = userEvent.setup();
    const setFlag = vi.fn(async (_t: string, key: string, value: unknown) => ({ ...flags[1]!, key, value, reason: "override" }));
    renderWithSession(<TenantFlags tenantId="t-1" />, operator, fakeApi({ setFlag }));
    const form = await screen.findByRole("form", { name: "Set an override" });
    await user.selectOptions(within(form).getByLabelText("Flag"), "new-editor");
    await user.selectOptions(within(form).getByLabelText("Value (boolean)"), "false");
    await user.click(within(form).getByRole("button", { name: "Set an override" }));
    expect(setFlag).toHaveBeenLastCalledWith("t-1", "new-editor", false);
    await screen.findByText("new-editor is now false for this tenant.");

    await user.selectOptions(within(form).getByLabelText("Flag"), "max-projects");
    const number = within(form).getByLabelText("Value (number)");
    await user.clear(number);
    await user.type(number, "12");
    await user.click(within(form).getByRole("button", { name: "Set an override" }));
    expect(setFlag).toHaveBeenLastCalledWith("t-1", "max-projects", 12);
  });

  it("refuses an object that is not JSON before sending, and shows the API's refusal", async () => {
    const user = userEvent.setup();
    const setFlag = vi.fn(async () => {
      throw problem(400, "ERR-VAL-400", { detail: "the value is over 4 KB" });
    });
    renderWithSession(<TenantFlags tenantId="t-1" />, operator, fakeApi({ setFlag }));
    const form = await screen.findByRole("form", { name: "Set an override" });
    await user.selectOptions(within(form).getByLabelText("Flag"), "rate-limits");
    const value = within(form).getByLabelText("Value (object)");
    await user.clear(value);
    await user.type(value, "not json");
    await user.click(within(form).getByRole("button", { name: "Set an override" }));
    expect(setFlag).not.toHaveBeenCalled();
    expect(within(form).getByRole("alert")).toHaveTextContent("Enter a JSON object");
    await user.clear(value);
    await user.type(value, '{{"requests_per_minute": 5}');
    await user.click(within(form).getByRole("button", { name: "Set an override" }));
    expect(setFlag).toHaveBeenCalledWith("t-1", "rate-limits", { requests_per_minute: 5 });
    expect(await within(form).findByRole("alert")).toHaveTextContent("the value is over 4 KB");
  });

  it("clears an override", async () => {
    const user = userEvent.setup();
    const clearFlag = vi.fn(async () => flags[0]);
    renderWithSession(<TenantFlags tenantId="t-1" />, operator, fakeApi({ clearFlag }));
    await user.click(await screen.findByRole("button", { name: "Clear the override of max-projects" }));
    expect(clearFlag).toHaveBeenCalledWith("t-1", "max-projects");
    await screen.findByText(/The override of max-projects is cleared/);
  });

  it("is read-only for an auditor", async () => {
    renderWithSession(<TenantFlags tenantId="t-1" />, auditor, fakeApi());
    await screen.findByText("Plan Pro; catalog version 3.");
    expect(screen.queryByRole("form")).toBeNull();
    expect(screen.queryAllByRole("button")).toHaveLength(0);
  });
});

describe("parseValue", () => {
  it("makes the flag's type from what was typed", () => {
    expect(parseValue("boolean", "true")).toEqual({ value: true });
    expect(parseValue("number", "2.5")).toEqual({ value: 2.5 });
    expect(parseValue("number", "")).toEqual({ error: "number" });
    expect(parseValue("string", "premium")).toEqual({ value: "premium" });
    expect(parseValue("object", "[1]")).toEqual({ value: [1] });
    expect(parseValue("object", "3")).toEqual({ error: "json" });
  });
});
