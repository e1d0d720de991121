import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { problem, renderWithSession, tenantUser } from "../test-utils";
import type { Member, SignInSession } from "../types";
import { MembersView } from "./MembersView";
import { MemberView } from "./MemberView";

const member = (over: Partial<Member> = {}): Member => ({
  id: "u-2",
  email: "jane@example.com",
  role: "User",
  status: "Active",
  created_at: "2026-11-23T08:00:00Z",
  updated_at: "2026-11-23T08:00:00Z",
  version: 3,
  ...over,
});

const session: SignInSession = { id: "s-1", started_at: "2026-11-23T09:00:00Z", ip_address: "203.0.113.9", current: false };

function fakeApi(current: () => Member, overrides: Record<string, unknown> = {}) {
  const calls: unknown[][] = [];
  const api = {
    member: vi.fn(async () => ({ member: current(), etag: `"${current().version}"` })),
    memberSessions: vi.fn(async () => ({ items: [session] })),
    updateMember: vi.fn(async (...args: unknown[]) => {
      calls.push(["update", ...args]);
      return current();
    }),
    endMemberSession: vi.fn(async (...args: unknown[]) => {
      calls.push(["end", ...args]);
    }),
    ...overrides,
  };
  return { api, calls };
}

describe("MembersView", () => {
  it("asks for members by email prefix, role and status", async () => {
    const user = userEvent.setup();
    const members = vi.fn(async () => ({ items: [member()] }));
    renderWithSession(<MembersView />, tenantUser("Owner"), { members });
    await screen.findByRole("link", { name: "jane@example.com" });
    await user.type(screen.getByLabelText("Email starts with"), "Jane");
    await user.click(screen.getByRole("button", { name: "Search" }));
    await user.selectOptions(screen.getByLabelText("Role"), "User");
    await user.selectOptions(screen.getByLabelText("Status"), "Disabled");
    await waitFor(() =>
      expect(members).toHaveBeenLastCalledWith({ email: "jane", role: "User", status: "Disabled", limit: 25, cursor: undefined }),
    );
  });
});

describe("MemberView", () => {
  it("changes the role with the version read as If-Match", async () => {
    const user = userEvent.setup();
    const { api, calls } = fakeApi(() => member());
    renderWithSession(<MemberView id="u-2" />, tenantUser("Owner"), api);
    const form = await screen.findByRole("form", { name: "Change role" });
    await user.selectOptions(within(form).getByLabelText("Role"), "Administrator");
    await user.click(within(form).getByRole("button", { name: "Change role" }));
    expect(calls).toEqual([["update", "u-2", { role: "Administrator" }, '"3"']]);
    await screen.findByText(/jane@example.com is now Administrator/);
  });

  it("says a change made meanwhile (409) plainly and shows the member as it is now", async () => {
    const user = userEvent.setup();
    let current = member();
    const { api } = fakeApi(() => current, {
      updateMember: vi.fn(async () => {
        current = member({ status: "Disabled", version: 4 });
        throw problem(409, "ERR-VAL-409");
      }),
    });
    renderWithSession(<MemberView id="u-2" />, tenantUser("Owner"), api);
    await user.click(await screen.findByRole("button", { name: "Disable" }));
    await user.click(within(screen.getByRole("dialog", { hidden: true })).getByRole("button", { name: "Disable", hidden: true }));
    await screen.findByText(/Someone changed this member after you opened the page/);
    await waitFor(() => expect(api.member).toHaveBeenCalledTimes(2));
    await screen.findByRole("button", { name: "Enable" });
  });

  it("explains the last-Owner rule when the API refuses with 422", async () => {
    const user = userEvent.setup();
    const { api } = fakeApi(() => member({ role: "Owner" }), {
      updateMember: vi.fn(async () => {
        throw problem(422, "ERR-VAL-422", { detail: "the tenant's last Active Owner cannot be demoted" });
      }),
    });
    renderWithSession(<MemberView id="u-2" />, tenantUser("Owner"), api);
    const form = await screen.findByRole("form", { name: "Change role" });
    await user.selectOptions(within(form).getByLabelText("Role"), "User");
    await user.click(within(form).getByRole("button", { name: "Change role" }));
    expect(await screen.findByTestId("last-owner")).toHaveTextContent("at least one active Owner");
    expect(screen.getByRole("alert")).toHaveTextContent("ERR-VAL-422");
    expect(screen.getByRole("alert")).toHaveTextContent("the tenant's last Active Owner cannot be demoted");
  });

  it("offers an Administrator nothing on an Owner, and never the Owner role", async () => {
    const { api } = fakeApi(() => member({ role: "Owner" }));
    const { unmount } = renderWithSession(<MemberView id="u-2" />, tenantUser("Administrator"), api);
    await screen.findByText("Only an Owner can change an Owner.");
    expect(screen.queryByRole("form", { name: "Change role" })).toBeNull();
    expect(screen.queryByRole("button", { name: /Disable|Delete|End/ })).toBeNull();
    unmount();
    const other = fakeApi(() => member());
    renderWithSession(<MemberView id="u-2" />, tenantUser("Administrator"), other.api);
    const form = await screen.findByRole("form", { name: "Change role" });
    const options = within(form).getAllByRole("option").map((o) => o.textContent);
    expect(options).toEqual(["Administrator", "User"]);
  });

  it("shows the API's refusal when an Administrator's change is refused all the same", async () => {
    const user = userEvent.setup();
    const { api } = fakeApi(() => member(), {
      updateMember: vi.fn(async () => {
        throw problem(403, "ERR-AUTH-403");
      }),
    });
    renderWithSession(<MemberView id="u-2" />, tenantUser("Administrator"), api);
    const form = await screen.findByRole("form", { name: "Change role" });
    await user.selectOptions(within(form).getByLabelText("Role"), "Administrator");
    await user.click(within(form).getByRole("button", { name: "Change role" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Your role does not allow this.");
  });

  it("ends one of the member's sessions", async () => {
    const user = userEvent.setup();
    const { api, calls } = fakeApi(() => member());
    renderWithSession(<MemberView id="u-2" />, tenantUser("Owner"), api);
    await user.click(await screen.findByRole("button", { name: /^End the session started/ }));
    expect(calls).toEqual([["end", "u-2", "s-1"]]);
    await screen.findByText("The session has ended.");
  });

  it("deletes only once the email is typed", async () => {
    const user = userEvent.setup();
    const deleteMember = vi.fn(async () => undefined);
    const { api } = fakeApi(() => member(), { deleteMember });
    renderWithSession(<MemberView id="u-2" />, tenantUser("Owner"), api);
    await user.click(await screen.findByRole("button", { name: "Delete member" }));
    const dialog = within(screen.getByRole("dialog", { hidden: true }));
    const confirm = dialog.getByRole("button", { name: "Delete member", hidden: true });
    expect(confirm).toBeDisabled();
    await user.type(dialog.getByLabelText("Type the email jane@example.com to confirm"), "jane@example.com");
    await user.click(confirm);
    expect(deleteMember).toHaveBeenCalledWith("u-2");
  });
});
