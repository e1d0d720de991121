import { createContext, useContext, useMemo, useState, type ReactNode } from "react";
import { en, ja, type MessageKey } from "./messages";

export const LOCALES = { en: "English", ja: "日本語" } as const;
export type Locale = keyof typeof LOCALES;
const DICTIONARIES: Record<Locale, Record<MessageKey, string>> = { en, ja };
const STORAGE_KEY = "console.locale";

export type Translate = (key: MessageKey, values?: Record<string, string | number>) => string;

export interface I18n {
  locale: Locale;
  setLocale: (locale: Locale) => void;
  t: Translate;
  /** A date and time in the viewer's own time zone, with the zone's name. */
  dateTime: (iso: string | undefined) => string;
  number: (n: number, options?: Intl.NumberFormatOptions) => string;
}

export function translator(locale: Locale): Translate {
  const dictionary = DICTIONARIES[locale];
  return (key, values) =>
    dictionary[key].replace(/\{(\w+)\}/g, (whole, name: string) =>
      values && name in values ? String(values[name]) : whole,
    );
}

export function dateTimeFormatter(locale: Locale, timeZone?: string): (iso: string | undefined) => string {
  const format = new Intl.DateTimeFormat(locale, {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
    second: "2-digit",
    timeZoneName: "short",
    ...(timeZone ? { timeZone } : {}),
  });
  return (iso) => {
    if (!iso) return "—";
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? iso : format.format(date);
  };
}

/** The viewer's language: their earlier choice, else the browser's. */
export function initialLocale(): Locale {
  const stored = window.localStorage.getItem(STORAGE_KEY);
  if (stored === "en" || stored === "ja") return stored;
  return navigator.language.toLowerCase().startsWith("ja") ? "ja" : "en";
}

const Context = createContext<I18n | null>(null);

export function I18nProvider({ children, locale: fixed }: { children: ReactNode; locale?: Locale }) {
  const [locale, setLocaleState] = useState<Locale>(fixed ?? initialLocale);
  const value = useMemo<I18n>(() => {
    const numberFormat = (n: number, options?: Intl.NumberFormatOptions) =>
      new Intl.NumberFormat(locale, options).format(n);
    return {
      locale,
      setLocale: (next) => {
        window.localStorage.setItem(STORAGE_KEY, next);
        document.documentElement.lang = next;
        setLocaleState(next);
      },
      t: translator(locale),
      dateTime: dateTimeFormatter(locale),
      number: numberFormat,
    };
  }, [locale]);
  document.documentElement.lang = locale;
  return <Context.Provider value={value}>{children}</Context.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(Context);
  if (!value) throw new Error("useI18n outside I18nProvider");
  return value;
}
