import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import {
  ADMIN,
  FIONA,
  MARIA,
  PEKKA,
  a11yViolations,
  api,
  consentAtProvider,
  desktop,
  phone,
  launchBrowser,
  openConsole,
  screenshot,
  signIn,
  startCalsync,
  until,
  type Calsync,
  type ConsolePage,
} from './harness';

// The Fieldworkers page and My calendar sync: switches decided by the
// organization and the administrator, linking through the emulated
// providers' consent, authorization emails, re-sync and unlink.

let cs: Calsync;
let browser: Browser;
let admin: Awaited<ReturnType<typeof api>>;
const people = new Map<string, { id: string; name: string }>();
const pages: ConsolePage[] = [];

beforeAll(async () => {
  [cs, browser] = await Promise.all([startCalsync(), launchBrowser()]);
  admin = await api(cs, ADMIN);
  const d = await admin<{ fieldworkers: { edges: { node: { id: string; name: string; email: string } }[] } }>(
    '{ fieldworkers(first: 50) { edges { node { id name email } } } }',
  );
  for (const e of d.fieldworkers.edges) people.set(e.node.email, { id: e.node.id, name: e.node.name });
});
afterAll(async () => {
  await browser?.close();
  await cs?.stop();
});

async function open(email: string, path: string): Promise<ConsolePage> {
  const cp = await openConsole(browser);
  pages.push(cp);
  await signIn(cp.page, cs, email, path);
  await cp.page.getByRole('heading', { level: 1 }).waitFor();
  return cp;
}

function card(page: Page, provider: 'Google' | 'Microsoft') {
  return page.getByRole('region', { name: `${provider} Calendar` });
}

async function enable(provider: 'GOOGLE' | 'MICROSOFT') {
  await admin(
    `mutation($i: UpdateProviderConfigInput!) { updateProviderConfig(input: $i) { id enabled } }`,
    { i: { provider, enabled: true, usersCanOverride: false, credentialMode: 'PLATFORM_APP', notifyFieldworkers: false } },
  );
}

let adminPage: ConsolePage;
let pekkaPage: ConsolePage;

test('an administrator switches a refused fieldworker on; the fieldworker links Google from /sync', async () => {
  await enable('GOOGLE');
  const pekka = people.get(PEKKA)!;
  await admin(`mutation($u: ID!) { setCalendarSync(userId: $u, provider: GOOGLE, enabled: false) { id } }`, { u: pekka.id });

  pekkaPage = await open(PEKKA, '/sync');
  const { page } = pekkaPage;
  const google = card(page, 'Google');
  await google.getByText(/turned off by your administrator/i).waitFor();
  expect(await google.getByText('Sync off').count()).toBe(1);
  expect(await page.getByRole('button', { name: /^Link Google Calendar/ }).count()).toBe(0);
  // The organization decides and the administrator chose: no own switch, the reason instead.
  await google.getByText(/administrator chose this for you/i).waitFor();

  adminPage = await open(ADMIN, '/fieldworkers');
  const a = adminPage.page;
  await a.getByRole('button', { name: `Actions for ${pekka.name}` }).click();
  await a.getByRole('menuitem', { name: 'Turn Google sync on' }).click();
  await a.getByRole('status').getByText(`Google sync turned on for ${pekka.name}.`).waitFor();

  await page.reload();
  const link = page.getByRole('button', { name: /^Link Google Calendar/ });
  await link.waitFor();
  await google.getByText(/turned on for you by your administrator/i).waitFor();
  await screenshot(page, 'calendar-sync-unlinked');
  expect(await a11yViolations(page)).toEqual([]);

  await link.click();
  expect(await consentAtProvider(page, 'GOOGLE', PEKKA)).toBe('Calendar linked');
  await page.getByRole('link', { name: 'Back to Calsync' }).click();
  await page.waitForURL(/\/sync$/);
  await google.getByText(PEKKA, { exact: true }).waitFor();
  await until('a last sync time', async () => (await google.getByText(/^Last sync: (?!never)/).count()) > 0, 30_000);
  await google.getByRole('checkbox', { name: /\(primary\)/ }).waitFor();
  await screenshot(page, 'calendar-sync-linked');
  expect(await a11yViolations(page)).toEqual([]);
});

test('re-sync shows its progress, the calendars list holds the primary calendar, unlink asks first', async () => {
  const { page } = pekkaPage;
  const google = card(page, 'Google');
  await google.getByRole('button', { name: 'Re-sync all your events' }).click();
  await google.getByText(/^(Sync finished|Syncing|Sync waiting)/).first().waitFor({ timeout: 30_000 });
  await google.getByText(/^Sync finished/).waitFor({ timeout: 30_000 });

  const primary = google.getByRole('checkbox', { name: /\(primary\)/ });
  expect(await primary.isDisabled()).toBe(false);

  await google.getByRole('button', { name: 'Unlink' }).click();
  const dialog = page.getByRole('dialog', { name: 'Unlink your Google calendar?' });
  await dialog.waitFor();
  // Cancel first: nothing happens.
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'hidden' });
  expect(await google.getByText(PEKKA, { exact: true }).count()).toBe(1);
  await google.getByRole('button', { name: 'Unlink' }).click();
  await dialog.getByRole('button', { name: 'Unlink' }).click();
  await page.getByRole('button', { name: /^Link Google Calendar/ }).waitFor();
  expect(await google.getByText(PEKKA, { exact: true }).count()).toBe(0);
  const state = await admin<{ node: { calendarSyncs: { provider: string; account: unknown }[] } }>(
    `query($id: ID!) { node(id: $id) { ... on User { calendarSyncs { provider account { id } } } } }`,
    { id: people.get(PEKKA)!.id },
  );
  expect(state.node.calendarSyncs.find((s) => s.provider === 'GOOGLE')!.account).toBeNull();
  expect(pekkaPage.errors).toEqual([]);
});

test('an authorization email is previewed, sent, kept, and its link links the calendar without signing in', async () => {
  const maria = people.get(MARIA)!;
  const a = adminPage.page;
  await a.getByRole('button', { name: `Actions for ${maria.name}` }).click();
  await a.getByRole('menuitem', { name: 'Send Google authorization email' }).click();
  const dialog = a.getByRole('dialog', { name: 'Send Google authorization email' });
  await dialog.getByText(`${maria.name} <${MARIA}>`).waitFor();
  await dialog.getByText(/connect your Google calendar/).first().waitFor();
  await screenshot(a, 'authorization-email-preview');
  expect(await a11yViolations(a)).toEqual([]);
  await dialog.getByRole('button', { name: 'Send email' }).click();
  const sent = a.getByRole('dialog', { name: 'Authorization email sent' });
  await sent.getByText(/\/invite\//).waitFor();
  await sent.getByText(/^Subject:/).waitFor();
  await sent.getByRole('button', { name: 'Done' }).click();

  const outbox = await admin<{ outbox: { edges: { node: { to: string; body: string; kind: string } }[] } }>(
    '{ outbox(first: 20) { edges { node { to body kind } } } }',
  );
  const mail = outbox.outbox.edges.map((e) => e.node).find((m) => m.to.includes(MARIA) && m.kind === 'authorization');
  expect(mail).toBeTruthy();
  const url = mail!.body.match(/https?:\/\/\S+\/invite\/\S+/)![0];

  const fresh = await browser.newContext();
  const p = await fresh.newPage();
  await p.goto(url);
  expect(await consentAtProvider(p, 'GOOGLE', MARIA)).toBe('Calendar linked');
  await fresh.close();

  const row = a.getByRole('row').filter({ hasText: maria.name });
  await until(
    "maria's address in the table",
    async () => {
      if ((await row.getByText(MARIA, { exact: true }).count()) > 1) return true;
      await a.reload();
      await row.first().waitFor();
      return (await row.getByText(MARIA, { exact: true }).count()) > 1; // her email in the name cell, then the linked address
    },
    30_000,
  );
  await screenshot(a, 'fieldworkers');
  expect(await a11yViolations(a)).toEqual([]);
  // At phone width the table scrolls sideways in a focusable region; the actions stay in the first column.
  await a.setViewportSize(phone);
  await a.getByRole('button', { name: `Actions for ${maria.name}` }).waitFor();
  expect(await a.getByRole('region', { name: /Fieldworkers table/ }).evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
  expect(await a11yViolations(a)).toEqual([]);
  await a.setViewportSize(desktop);
  expect(adminPage.errors).toEqual([]);
});

test('a fieldworker links Microsoft through its consent page', async () => {
  await enable('MICROSOFT');
  const { page, errors } = await open(FIONA, '/sync');
  const ms = card(page, 'Microsoft');
  await ms.getByRole('button', { name: /^Link Microsoft Calendar/ }).click();
  expect(await consentAtProvider(page, 'MICROSOFT', FIONA)).toBe('Calendar linked');
  await page.getByRole('link', { name: 'Back to Calsync' }).click();
  await page.waitForURL(/\/sync$/);
  await ms.getByText(FIONA, { exact: true }).waitFor();
  expect(errors).toEqual([]);
});
