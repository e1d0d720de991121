/**
 * The invitation link (`/invitations/accept#token=…`) carries its token in
 * the fragment, which browsers never send to a server. The console keeps it
 * in sessionStorage across the sign-in redirect (never in the URL's query,
 * never in a log) and takes it out of the address bar at once.
 */
export const ACCEPT_PATH = "/invitations/accept";
const KEY = "console.invitation";

/** On the acceptance page: moves the fragment's token into sessionStorage. */
export function captureInvitationToken(): void {
  if (window.location.pathname !== ACCEPT_PATH) return;
  const token = new URLSearchParams(window.location.hash.slice(1)).get("token");
  if (token) window.sessionStorage.setItem(KEY, token);
  if (window.location.hash) window.history.replaceState(null, "", ACCEPT_PATH + window.location.search);
}

export function invitationToken(): string | null {
  return window.sessionStorage.getItem(KEY);
}

export function forgetInvitationToken(): void {
  window.sessionStorage.removeItem(KEY);
}
