import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { ReactNode } from "react";
import { ApiError, problemOf } from "../api";
import { navigation } from "../App";
import { I18nProvider } from "../i18n";
import { capabilities } from "../roles";
import { BarChart } from "./BarChart";
import { Confirm } from "./Confirm";
import { ProblemMessage } from "./Problem";

const wrap = (node: ReactNode, locale: "en" | "ja" = "en") => render(<I18nProvider locale={locale}>{node}</I18nProvider>);

describe("ProblemMessage", () => {
  it("names the problem, every invalid field and the correlation id", () => {
    const error = new ApiError(400, {
      type: "urn:saas-control-plane:problem:ERR-VAL-400",
      title: "Invalid input",
      status: 400,
      detail: "Invalid input: domain.",
      correlation_id: "c-42",
      invalid_params: [{ name: "domain", reason: "must start and end with a letter or digit" }],
    });
    wrap(<ProblemMessage error={error} />);
    const alert = screen.getByRole("alert");
    expect(alert).toHaveTextContent("Invalid input (ERR-VAL-400)");
    expect(alert).toHaveTextContent("domain: must start and end with a letter or digit");
    expect(screen.getByTestId("correlation-id")).toHaveTextContent("c-42");
  });

  it("says plainly that the role does not allow it, in Japanese too", () => {
    const error = new ApiError(403, {
      type: "urn:saas-control-plane:problem:ERR-AUTH-403",
      title: "Access denied",
      status: 403,
      correlation_id: "c-7",
    });
    wrap(<ProblemMessage error={error} />, "ja");
    expect(screen.getByRole("alert")).toHaveTextContent("このロールでは実行できません。");
    expect(screen.getByRole("alert")).toHaveTextContent("c-7");
  });
});

describe("problemOf", () => {
  it("reads a problem document and the edge's own 401", async () => {
    const problem = new Response(
      JSON.stringify({ type: "urn:saas-control-plane:problem:ERR-VAL-409", title: "Conflict", status: 409, correlation_id: "c-1" }),
      { status: 409, headers: { "content-type": "application/problem+json" } },
    );
    const e = await problemOf(problem);
    expect(e.errId).toBe("ERR-VAL-409");
    expect(e.problem.correlation_id).toBe("c-1");
    const edge = new Response(JSON.stringify({ message: "Unauthorized" }), {
      status: 401,
      headers: { "x-correlation-id": "c-2" },
    });
    const u = await problemOf(edge);
    expect(u.status).toBe(401);
    expect(u.problem.title).toBe("Unauthorized");
    expect(u.problem.correlation_id).toBe("c-2");
  });
});

describe("Confirm", () => {
  it("keeps a destructive action disabled until the domain is typed", async () => {
    const user = userEvent.setup();
    const onConfirm = vi.fn();
    wrap(
      <Confirm
        message="Delete acme?"
        confirmLabel="Delete"
        typeToConfirm="acme"
        typeLabel="Type the domain acme to confirm"
        onConfirm={onConfirm}
        onCancel={() => {}}
      />,
    );
    const button = screen.getByRole("button", { name: "Delete", hidden: true });
    expect(button).toBeDisabled();
    await user.type(screen.getByLabelText("Type the domain acme to confirm"), "acm");
    expect(button).toBeDisabled();
    await user.type(screen.getByLabelText("Type the domain acme to confirm"), "e");
    expect(button).toBeEnabled();
    await user.click(button);
    expect(onConfirm).toHaveBeenCalledOnce();
  });

  it("cancels", async () => {
    const user = userEvent.setup();
    const onCancel = vi.fn();
    wrap(<Confirm message="Revoke?" confirmLabel="Revoke" onConfirm={() => {}} onCancel={onCancel} />);
    await user.click(screen.getByRole("button", { name: "Cancel", hidden: true }));
    expect(onCancel).toHaveBeenCalledOnce();
  });
});

describe("navigation", () => {
  const labels = (roles: ("Operator" | "Auditor" | "Developer")[]) =>
    navigation(capabilities({ kind: "platform", user_id: "u", roles })).map((l) => l.label);

  it("offers each role only the views it may use", () => {
    expect(labels(["Operator"])).toEqual(["nav.tenants", "nav.applications", "nav.health", "nav.audit"]);
    expect(labels(["Auditor"])).toEqual(["nav.tenants", "nav.applications", "nav.audit"]);
    expect(labels(["Developer"])).toEqual(["nav.applications"]);
  });
});

describe("BarChart", () => {
  it("draws one bar per function and marks those over the limit", () => {
    const { container } = wrap(
      <BarChart
        title="Error rate"
        bars={[
          { label: "tenant-get", value: 0.002 },
          { label: "tenant-list", value: 0.05 },
        ]}
        format={(v) => `${v * 100}%`}
        limit={0.01}
      />,
    );
    expect(screen.getByRole("img", { name: "Error rate" })).toBeInTheDocument();
    expect(container.querySelectorAll("rect.bar")).toHaveLength(2);
    expect(container.querySelectorAll("rect.bar-over")).toHaveLength(1);
    expect(container.querySelector("line.chart-limit")).not.toBeNull();
  });
});
