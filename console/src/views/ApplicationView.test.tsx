import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { renderWithSession } from "../test-utils";
import type { ApplicationDetail, Me } from "../types";
import { ApplicationView } from "./ApplicationView";

const app: ApplicationDetail = {
  id: "a-1",
  name: "Billing",
  environment: "Production",
  owner: "team-billing",
  status: "Active",
  billing_reader: false,
  created_at: "2026-12-01T08:00:00Z",
  updated_at: "2026-12-01T08:00:00Z",
  secrets: [],
};

const operator: Me = { kind: "platform", user_id: "u", roles: ["Operator"] };
const developer: Me = { kind: "platform", user_id: "u", roles: ["Developer"] };

describe("ApplicationView", () => {
  it("lets an operator designate the billing reader and withdraw the designation", async () => {
    let current = app;
    const calls: string[] = [];
    renderWithSession(<ApplicationView id="a-1" />, operator, {
      application: async () => current,
      designateBillingReader: async (id: string) => {
        calls.push(`designate ${id}`);
        current = { ...current, billing_reader: true };
        return current;
      },
      withdrawBillingReader: async (id: string) => {
        calls.push(`withdraw ${id}`);
        current = { ...current, billing_reader: false };
        return current;
      },
    });
    expect(await screen.findByText("Not designated")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Designate as billing reader" }));
    expect(await screen.findByText("Billing now reads the billing feed.")).toBeInTheDocument();
    expect(await screen.findByText("Designated: its billing:read reads the billing feed")).toBeInTheDocument();
    await userEvent.click(await screen.findByRole("button", { name: "Withdraw designation" }));
    expect(await screen.findByText("Billing no longer reads the billing feed.")).toBeInTheDocument();
    expect(calls).toEqual(["designate a-1", "withdraw a-1"]);
  });

  it("shows a developer whether the application is designated but offers no designation", async () => {
    renderWithSession(<ApplicationView id="a-1" />, developer, { application: async () => app });
    expect(await screen.findByText("Not designated")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Designate as billing reader" })).toBeNull();
  });
});
