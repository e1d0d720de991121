import { en, ja } from "./messages";
import { dateTimeFormatter, translator } from "./i18n";

describe("messages", () => {
  it("Japanese has every English key and the same placeholders", () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect(names(ja[key]), key).toEqual(names(en[key]));
    }
  });

  it("fills placeholders and leaves unknown ones visible", () => {
    expect(translator("en")("tenant.title", { domain: "acme" })).toBe("Tenant acme");
    expect(translator("ja")("tenant.title", { domain: "acme" })).toBe("テナント acme");
    expect(translator("en")("tenant.title")).toBe("Tenant {domain}");
  });
});

describe("dates", () => {
  it("are shown in the viewer's time zone", () => {
    const iso = "2026-11-23T08:37:18.497Z";
    expect(dateTimeFormatter("en", "Asia/Tokyo")(iso)).toContain("5:37:18");
    expect(dateTimeFormatter("en", "Europe/Paris")(iso)).toContain("9:37:18");
    expect(dateTimeFormatter("ja", "Asia/Tokyo")(iso)).toContain("17:37:18");
    expect(dateTimeFormatter("en")(undefined)).toBe("—");
  });
});
