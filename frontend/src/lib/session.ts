// The CSRF token of the browser session: the server gives it with the viewer
// and wants it back as X-CSRF-Token on every mutation made with the cookie.
let csrfToken: string | null = null;

export function setCsrfToken(token: string | null | undefined): void {
  csrfToken = token ?? null;
}

export function getCsrfToken(): string | null {
  return csrfToken;
}
